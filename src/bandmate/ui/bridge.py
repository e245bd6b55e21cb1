"""The studio's one adapter over the agent: run a turn, read its result, store and forget corrections.

Everything the studio knows about ``Agent``, ``TurnResult`` and the knowledge base's corrections lives
here, so that a change there (new TurnResult fields, a new correction flow) is a change in this file
only. The rest of ``ui/`` reads plain ``TurnView`` records. No Streamlit import: the benchmark and the
tests use this module directly.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

from bandmate.agent.turn import STOPPED
from bandmate.core.errors import BandmateError, SessionChanged

UNITS = {"band_db": "dB", "loudness_lufs": "LUFS", "crest_db": "dB", "centroid_hz": "Hz", "rolloff_hz": "Hz",
         "decay_s": "s", "duration_s": "s", "tempo_bpm": "BPM", "stereo_width": "", "onset_rate": "/s"}
CHANGED_ELSEWHERE = ("This session was changed in another tab or window while your request ran, so your edit was "
                     "not applied (nothing was lost, nothing was branched). Have a look at the new version, then "
                     "send your request again.")
MOVED_MARK = "the session changed while this ran"  # how Store.commit's SessionChanged begins (memory/store.py)
NAMES = {"loudness_lufs": "loudness", "crest_db": "punch (crest)", "centroid_hz": "brightness (centroid)",
         "rolloff_hz": "top end (roll-off)", "stereo_width": "width", "decay_s": "tail", "onset_rate": "hits",
         "duration_s": "length", "stem_count": "parts", "tempo_bpm": "tempo"}


@dataclass
class StepView:
    tool: str
    target: str
    range: str
    params: dict[str, Any]
    why: str = ""
    summary: str = ""
    seconds: float | None = None
    ran: bool = True


@dataclass
class MeasureView:
    measure: str
    target: str
    label: str
    before: float | None
    after: float | None
    unit: str
    ok: bool
    noticeable: bool
    error: str | None = None

    @property
    def verdict(self) -> str:
        if self.error:
            return "not measured"
        if self.ok and self.noticeable:
            return "as intended"
        return "too small to hear" if self.ok else "went the wrong way"

    def text(self) -> str:
        if self.error or self.before is None or self.after is None:
            return f"{self.target} · {self.label}: not measured ({self.error})"
        d = self.after - self.before
        return (f"{self.target} · {self.label}: {self.before:.3g} → {self.after:.3g} {self.unit} "
                f"({d:+.2g}{self.unit and ' ' + self.unit}, {self.verdict})").replace("  ", " ")


@dataclass
class TurnView:
    """One exchange as the studio shows it (and stores it in the transcript)."""

    request: str
    shown_request: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    kind: str = "answer"
    understood: str = ""
    steps: list[StepView] = field(default_factory=list)
    measured: list[MeasureView] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    message: str = ""
    question: str = ""
    options: list[str] = field(default_factory=list)
    error: str | None = None
    error_detail: str | None = None
    version_before: int | None = None
    version_after: int | None = None
    session_id: str | None = None
    terms: list[str] = field(default_factory=list)
    plan_s: float = 0.0
    exec_s: float = 0.0
    total_s: float = 0.0
    created_at: float = field(default_factory=time.time)

    @property
    def changed(self) -> bool:
        return self.version_after is not None and self.version_after != self.version_before

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TurnView:
        d = dict(d)
        d["steps"] = [StepView(**s) for s in d.get("steps", [])]
        d["measured"] = [MeasureView(**m) for m in d.get("measured", [])]
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


# ---- the agent ------------------------------------------------------------------------------------
def agent_for(base, *, user: str, settings=None, planner: str = "offline", store=None):
    """A per-browser Agent sharing the base agent's knowledge base, registry and loaded backends."""
    if planner == "llm" or settings is not None and settings is not base.settings:
        from bandmate.agent.factory import build_agent

        return build_agent(store, settings=settings or base.settings, planner=planner, user=user, kb=base.kb,
                           backends=base.backends)
    return dataclasses.replace(base, user=user, last_request={})


def run_turn(agent, request: str, session, *, store, shown: str | None = None, cancel=None) -> TurnView:
    """``Agent.turn`` and nothing else; a Bandmate error or a bug becomes a TurnView with the error.
    ``cancel``: a ``threading.Event`` the page sets when the user presses Stop."""
    t0 = time.perf_counter()
    before = session.head.id if session is not None else None
    try:
        res = agent.turn(request, session, store=store, cancel=cancel)
    except BandmateError as err:
        return TurnView(request, shown or request, kind="error", error=friendly(err), error_detail=str(err),
                        version_before=before, version_after=_head(session),
                        session_id=session.id if session else None, total_s=time.perf_counter() - t0)
    except Exception as err:  # a bug: say so plainly, keep the traceback for the details box
        return TurnView(request, shown or request, kind="error",
                        error=f"Something went wrong inside Bandmate ({type(err).__name__}); nothing was "
                              "changed by the failing step.", error_detail=traceback.format_exc(),
                        version_before=before, version_after=_head(session),
                        session_id=session.id if session else None, total_s=time.perf_counter() - t0)
    view = view_of(res, store)
    view.shown_request = shown or request
    view.total_s = time.perf_counter() - t0
    return view


def _head(session) -> int | None:
    try:
        return session.head.id if session is not None else None
    except BandmateError:
        return None


def friendly(err: BaseException) -> str:
    """One sentence a musician can act on; the raw message goes in the details."""
    text = str(err)
    if isinstance(err, SessionChanged) or MOVED_MARK in text:
        return CHANGED_ELSEWHERE
    if "no stem" in text:
        return "That part isn't in this version of the music. Pick one of its stems, or add it first."
    return "I couldn't do that: " + text.split(";")[0].rstrip(".") + "."


def view_of(res, store) -> TurnView:
    """Read a TurnResult into a TurnView (the only place that knows TurnResult's fields)."""
    plan = res.plan
    ex = res.execution
    outcomes = list(ex.outcomes) if ex is not None else []
    v = TurnView(res.request, kind=plan.kind, understood=plan.explanation or "", message=res.message,
                 version_before=res.version_before, version_after=res.version_after, session_id=res.session_id,
                 terms=list(plan.terms), notes=list(plan.notes), plan_s=res.plan_s, exec_s=res.exec_s)
    if plan.kind == "clarify" and plan.clarification is not None:
        v.question, v.options = plan.clarification.question, list(plan.clarification.options)
    if plan.kind in ("answer", "history") and not plan.steps:
        v.understood = ""
    v.steps = _steps(plan.steps, outcomes)
    if res.message.startswith(STOPPED):  # the user stopped it: nothing was kept, nothing went wrong
        v.kind = "stopped"
        return v
    if ex is not None:
        v.measured = [_measure(m) for m in ex.measured]
        if not ex.ok:
            v.error = CHANGED_ELSEWHERE if MOVED_MARK in (ex.error or "") else \
                "One step could not run, so it changed nothing. " + friendly_step(ex.error or "")
            v.error_detail = ex.error
    if res.message.startswith("Could not do that:"):
        v.error, v.error_detail = "I couldn't do that: the request did not fit this session.", res.message
    if v.changed and v.session_id and res.version_before is not None:
        v.untouched = untouched(store, v.session_id, res.version_before, res.version_after)
    return v


def friendly_step(error: str) -> str:
    return error.split(": ", 1)[-1].split(";")[0].rstrip(".") + "." if error else ""


def _steps(calls, outcomes) -> list[StepView]:
    out = []
    for i, call in enumerate(calls):
        o = outcomes[i] if i < len(outcomes) else None
        params = {k: v for k, v in call.args.items() if v is not None and k not in ("target",)}
        summary = getattr(o.result, "summary", "") if o is not None else ""
        out.append(StepView(call.tool, call.target, call.range_text, params, call.why, summary or "",
                            o.seconds if o is not None else None, o is not None))
    for o in outcomes[len(calls):]:  # an automatic second pass ("too subtle, applied once more")
        out.append(StepView(o.tool, str(getattr(o.args, "target", "mix")), "again", {}, "second pass",
                            getattr(o.result, "summary", "") or "", o.seconds))
    return out


def _measure(m) -> MeasureView:
    name = m.expected.measure
    family, _, band = name.partition(":")
    label = f"{band.replace('-', '–')} Hz level" if family == "band_db" and band else NAMES.get(family, name)
    return MeasureView(name, m.expected.target, label, m.before, m.after, UNITS.get(family, ""), m.ok,
                       m.noticeable, m.error)


def untouched(store, session_id: str, before: int, after: int) -> list[str]:
    """Stems whose audio is bit-identical in both versions (same blob), present in both."""
    a, b = store.version(session_id, before), store.version(session_id, after)
    return [n for n, k in a.stems.items() if b.stems.get(n) == k]


# ---- corrections ----------------------------------------------------------------------------------
def correction_request(word: str, meaning: str) -> str:
    """The sentence the agent's correction flow understands ("no, by warm I meant less harsh highs")."""
    return f"no, by {word.strip().lower()} I meant {meaning.strip().rstrip('.')}"


def correct(agent, session, turn: TurnView, word: str, meaning: str, *, store) -> TurnView:
    """Store the correction for this user, then redo ``turn`` with it when it is the latest edit.

    The redo goes back to the version before that turn (the whole turn, however many versions it
    made) and runs the same request again through ``Agent.turn``, so the stored meaning is used.
    """
    word, meaning = word.strip().lower(), meaning.strip().rstrip(".")
    if not word or not meaning:
        return TurnView("", kind="error", error="Say which word you meant and what you meant by it.",
                        session_id=session.id if session else None)
    agent.kb.add_correction(user=agent.user, word=word, meaning=meaning,
                            utterance=correction_request(word, meaning))
    shown = f"Not what I meant: by “{word}” I meant {meaning}"
    got = f"Got it — for you, “{word}” means {meaning}."
    latest = session is not None and turn.changed and turn.version_before is not None \
        and session.head.id == turn.version_after
    if not latest:
        return TurnView(shown, shown, kind="correction", message=got + " I'll use that from now on.",
                        session_id=session.id if session else None,
                        version_before=_head(session), version_after=_head(session))
    session.checkout(turn.version_before)
    view = run_turn(agent, turn.request, session, store=store, shown=shown)
    view.message = f"{got} I went back to version {turn.version_before} and redid “{turn.request}”:\n" \
                   + view.message
    return view


def corrections(kb, user: str) -> list:
    return list(kb.corrections(user))


def forget_correction(kb, user: str, word: str) -> int:
    """Forget what ``user`` said ``word`` means; returns how many stored documents went."""
    if hasattr(kb, "forget_correction"):
        return int(kb.forget_correction(user=user, word=word) or 0)
    col = kb._corr  # until the knowledge base has its own verb: the same filter it stores with
    ids = col.get(where={"$and": [{"user": user}, {"word": word.strip().lower()}]}, include=[])["ids"]
    if ids:
        col.delete(ids=ids)
    return len(ids)
