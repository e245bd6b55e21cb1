"""One conversational turn: understand, plan, run, measure, adjust once, report.

Every surface (terminal chat, `bandmate edit`, Streamlit, MCP, eval) calls ``Agent.turn``; none
re-implements planning or execution. Every version a turn makes carries the turn's id, and what the turn
did (request, reading, steps, expected changes) is kept on the session as a ``TurnRecord``, so follow-ups
and corrections find the previous turn after a restart too, and undo/redo move by whole turns.

Corrections ("no, by warm I mean less harsh highs") are stored in the knowledge base for this user with
a number; when the previous turn used the word, that whole turn is undone and its request re-planned,
and the reply says the new reading. An edit plan that carries a history move (a follow-up such as
"less reverb" that can only be redone smaller) undoes the previous turn first and is judged against the
audio the user last heard.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bandmate.agent import answers
from bandmate.agent.corrections import CORRECTION_RE, mentions
from bandmate.agent.executor import Execution, execute
from bandmate.agent.parser import Range, find_intensity, find_negation
from bandmate.agent.plan import Plan, ToolCall
from bandmate.agent.planner import Planner
from bandmate.agent.verify import Verdict, decide, report_lines, verify
from bandmate.agent.view import SessionView
from bandmate.core import measures
from bandmate.core.errors import BandmateError, ToolCancelled
from bandmate.memory.session import Session, TurnRecord

__all__ = ["CORRECTION_RE", "Agent", "TurnResult"]
RANGE_ARGS = ("start_bar", "end_bar", "start_s", "end_s")
STOPPED = "Stopped: "


def _set(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()


@dataclass
class TurnResult:
    request: str
    plan: Plan
    message: str
    execution: Execution | None = None
    answer: str | None = None
    version_before: int | None = None
    version_after: int | None = None
    adjusted: bool = False
    plan_s: float = 0.0
    exec_s: float = 0.0
    session_id: str | None = None
    redone_from: int | None = None  # a correction: the version the corrected turn was redone from

    def to_json(self) -> dict[str, Any]:
        ex = self.execution
        return {"request": self.request, "session": self.session_id, "plan": self.plan.model_dump(mode="json"),
                "message": self.message, "answer": self.answer, "version_before": self.version_before,
                "version_after": self.version_after, "adjusted": self.adjusted,
                "error": ex.error if ex else None,
                "steps": [o.to_json() for o in ex.outcomes] if ex else [],
                "measured": [m.to_json() for m in ex.measured] if ex else [],
                "plan_s": round(self.plan_s, 4), "exec_s": round(self.exec_s, 4)}


@dataclass
class Agent:
    """Holds the planner, registry and knowledge base; ``turn`` is the only verb surfaces need."""

    planner: Planner
    registry: Any
    kb: Any = None
    settings: Any = None
    backends: Any = None
    user: str = "default"
    # Not read any more (the session's TurnRecords say what the last request was); kept so that callers
    # which reset it (the studio's per-profile agents) keep working.
    last_request: dict[str, str] = field(default_factory=dict)

    def turn(self, request: str, session: Session | None, *, store=None,
             cancel: threading.Event | None = None) -> TurnResult:
        """Answer one request. With ``session=None`` (a new chat) the plan must start by creating one.

        ``cancel`` (the studio's Stop): once set, the running tool commits nothing, no further step runs,
        and every version this turn already made is left behind: the session is as it was before it.
        """
        turn_id = uuid.uuid4().hex[:8]  # every version this request makes carries it
        t0 = time.perf_counter()
        view = SessionView.of(session) if session is not None else SessionView()
        plan = self.planner.plan(request, view, user=self.user)  # understand + plan: the words are read here
        plan_s = time.perf_counter() - t0
        if plan.kind == "correction":
            if session is not None and self.kb is not None:
                return self._correction(request, plan.correction.word, plan.correction.meaning, session)
            said = Plan(kind="answer", question="correction", planner=plan.planner)
            return TurnResult(request, said, "There is nothing to correct yet: ask for something first, then "
                                             "tell me what you meant.", plan_s=plan_s)
        created = None
        if session is None:
            try:
                session, plan, created = self._create(plan, store, cancel)
            except ToolCancelled:
                return TurnResult(request, plan, STOPPED + "nothing was made.", plan_s=plan_s)
            if session is None:
                return TurnResult(request, plan, plan.text() or plan.explanation, plan_s=plan_s)
        res = self._run(request, plan, session, view, turn_id, cancel)
        if plan.replan and res.execution is not None and res.execution.ok and not _set(cancel):
            first, prepared = res.message, plan
            t1 = time.perf_counter()
            plan = self.planner.plan(request, SessionView.of(session), user=self.user)
            plan_s += time.perf_counter() - t1
            again = self._run(request, plan, session, view, turn_id, cancel)
            if plan.kind == "clarify" and "separate" in prepared.tools():
                # a question instead of an edit (the part is only bleed …): the turn leaves no new version
                session.checkout(res.version_before)
                again.version_after = session.head.id
                again.message += "\n(Nothing was kept: the session is as it was before this request.)"
            again.version_before = res.version_before
            if res.execution is not None and again.execution is not None:
                again.execution.outcomes[:0] = res.execution.outcomes
            again.message = f"{first}\n{again.message}"
            res = again
        res.plan_s = plan_s
        if created is not None:  # say what was made, then whatever the rest of the plan did
            summary = getattr(created.result, "summary", "") or plan.explanation
            rest = res.message if plan.steps else "\n".join(f"Note: {n}" for n in plan.notes)
            res.message = "\n".join(x for x in (summary, rest) if x)
            res.version_before = None
        if _set(cancel):
            self._stopped(res, session, 1 if created is not None else res.version_before)
        self._record(turn_id, request, plan, res, session)
        return res

    @staticmethod
    def _stopped(res: TurnResult, session: Session, before: int | None) -> None:
        """A stopped turn keeps nothing: back to the version it started from, and say so."""
        if before is not None and session.head.id != before:
            session.checkout(before)
        res.version_after = session.head.id
        res.message = STOPPED + f"nothing of this request was kept; the session is at version {session.head.id}."
        if res.execution is not None and res.execution.error is None:
            res.execution.error = "stopped by the user"

    @staticmethod
    def _record(turn_id: str, request: str, plan: Plan, res: TurnResult, session: Session) -> None:
        """Keep what this turn did on the session: every turn, also a question, a refusal or a failure.

        Follow-ups and corrections build only on turns that made a version (``Session.last_turn``); the rest
        is the session's log (``Session.turns``), with the error of a failed step.
        """
        ex = res.execution
        steps = [{"tool": o.tool, "args": o.args.model_dump(mode="json")} for o in ex.outcomes
                 if o.version is not None] if ex is not None else []
        rng = next(({k: s.args[k] for k in RANGE_ARGS if s.args.get(k) is not None} for s in plan.steps
                    if any(s.args.get(k) is not None for k in RANGE_ARGS)), {})
        negated, less = find_negation(request)
        kind = "followup" if "@followup" in plan.terms else plan.kind
        before = res.version_before if res.version_before is not None else (res.version_after or 0)
        after = res.version_after if res.version_after is not None else before
        session.record_turn(TurnRecord(
            id=turn_id, request=request, before=before, after=after,
            kind=kind if not (ex is not None and ex.error) else "failed", steps=steps, targets=plan.targets(),
            terms=list(plan.terms), direction="less" if less or negated else "more",
            intensity=find_intensity(request)[0], range=rng, reading=plan.explanation,
            expected=[e.model_dump(mode="json") for e in plan.expected],
            error=ex.error if ex is not None else None))

    def _create(self, plan: Plan, store, cancel: threading.Event | None = None):
        """Run a plan's first, session-creating step; return the new session and the remaining plan."""
        from bandmate.tools.run import run_tool

        if plan.kind != "edit" or not plan.steps or not self.registry[plan.steps[0].tool].creates_session:
            return None, plan, None
        if store is None:
            raise ValueError("a store is needed to create a session")
        first = plan.steps[0]
        out = run_tool(self.registry, first.tool, first.args, store=store, session_id=None,
                       settings=self.settings, backends=self.backends, user=self.user, cancel=cancel)
        session = Session(store, out.version.session_id)
        rest = plan.model_copy(update={"steps": plan.steps[1:]})
        if not rest.steps:
            rest = rest.model_copy(update={"kind": "answer", "question": "created", "expected": []})
        return session, rest, out

    # ---- kinds of plans ---------------------------------------------------------------------------
    def _run(self, request: str, plan: Plan, session: Session, view: SessionView,
             turn: str | None = None, cancel: threading.Event | None = None) -> TurnResult:
        turn = turn or uuid.uuid4().hex[:8]
        before = session.head.id
        res = TurnResult(request, plan, plan.explanation, version_before=before, session_id=session.id)
        t0 = time.perf_counter()
        try:
            if plan.kind == "clarify":
                res.message = plan.text()
            elif plan.kind == "history":
                res.message = self._history(plan, session)
            elif plan.kind == "answer" and plan.question == "created":
                res.message = ""
            elif plan.kind == "answer":
                res.execution = execute(plan, session, self.registry, settings=self.settings,
                                        backends=self.backends, turn=turn, cancel=cancel)
                res.answer = self._answer(request, plan, session, res.execution)
                res.message = res.answer if res.execution.ok else res.execution.error
            elif plan.history is not None:  # redo the previous turn differently: undo it first
                res.execution, verdict = self._replace_previous(plan, session, before, turn, cancel)
                res.adjusted = verdict.adjusted
                res.message = self._report(plan, res.execution, verdict)
            else:
                res.execution = execute(plan, session, self.registry, settings=self.settings,
                                        backends=self.backends, turn=turn, cancel=cancel)
                verdict = self._verify(plan, session, res.execution, before, cancel)
                res.adjusted = verdict.adjusted
                res.message = self._report(plan, res.execution, verdict)
        except BandmateError as err:
            res.message = f"Could not do that: {err}"
        res.exec_s = time.perf_counter() - t0
        res.version_after = session.head.id
        return res

    def _history(self, plan: Plan, session: Session) -> str:
        h = plan.history
        if h.action == "checkout":
            v = session.checkout(h.version)
            return f"Back at version {v.id}."
        for _ in range(h.steps):
            v = session.undo_turn() if h.action == "undo" else session.redo_turn()
        step = session.head.step.get("tool", "?")
        return f"{plan.explanation} Now at version {v.id} (after '{step}')."

    def _replace_previous(self, plan: Plan, session: Session, before: int, turn: str,
                          cancel: threading.Event | None = None) -> tuple[Execution, Verdict]:
        """Undo the previous turn, run the plan in its place, and judge it against version ``before`` (what
        the user heard when asking). Wrong way or a failed step: back to ``before`` exactly."""
        session.undo_turn()
        redo = plan.model_copy(update={"expected": []})
        missing = {s.target for s in plan.steps} - {"mix"} - set(session.head.stems)
        if missing and not session.head.stems and plan.steps[0].tool != "separate":
            # the undone turn had split the recording first: split it again (the same stems) before the redo
            redo.steps.insert(0, ToolCall(tool="separate", args={}, why="the stems the previous turn worked on"))
        ex = execute(redo, session, self.registry, settings=self.settings,
                     backends=self.backends, turn=turn, cancel=cancel)
        measured = verify(plan, session, before, adjust=False).measured if ex.ok and session.head.id != before \
            else []
        ex.measured = measured
        wrong = decide(measured)[0] == "undo"
        if not ex.ok or wrong or session.head.id == before:
            session.checkout(before)
        return ex, Verdict(measured, "undo" if wrong else "keep", wrong)

    def _answer(self, request: str, plan: Plan, session: Session, ex: Execution) -> str:
        """Every topic the planner read, answered from the state (measured now if the plan analysed)."""
        view = SessionView.of(session)
        bars = seconds = None
        if plan.asked_range is not None:
            said = Range(**plan.asked_range.model_dump())
            try:
                if said.unit == "bars":
                    a, b = said.resolve(total_bars=view.total_bars)
                    bars = (int(a), int(b))
                else:
                    seconds = said.resolve(total_s=view.duration_s)
            except (ValueError, TypeError):
                bars = seconds = None
        parts = []
        for topic in plan.topics or [plan.question or "general"]:
            if topic == "nothing":
                parts.append("Nothing changed.")
            elif topic == "playing":
                parts.append(answers.playing(session, view, bars=bars, seconds=seconds))
            elif topic in ("compare", "describe"):
                parts.append(answers.describe_parts(session, view, plan.about))
            elif topic == "changed":  # "what changed so far?" is every kept turn; else the last one
                parts.append(answers.all_changes(session) if answers.SO_FAR.search(request.lower())
                             else answers.last_change(view))
            else:
                lufs = measures.loudness_lufs(session.mix()) if topic == "loudness" else None
                rng = {"start_bar": bars[0], "end_bar": bars[1]} if bars else {}
                parts.append(answers.answer(topic, view, measured=bool(plan.steps), loudness_lufs=lufs, **rng))
        return " ".join(parts)

    def _verify(self, plan: Plan, session: Session, ex: Execution, before: int,
                cancel: threading.Event | None = None) -> Verdict:
        """Measure, judge and adjust once (``agent.verify``); the extra pass joins this turn's steps."""

        def run_again(redo: Plan) -> bool:
            again = execute(redo, session, self.registry, settings=self.settings, backends=self.backends,
                            turn=ex.turn, cancel=cancel)
            ex.outcomes += again.outcomes
            return again.ok

        versions = [o.version.id if o.version else None for o in ex.outcomes]
        verdict = verify(plan, session, before, adjust=ex.ok, run_again=run_again, step_versions=versions)
        ex.measured = verdict.measured
        return verdict

    def _report(self, plan: Plan, ex: Execution, verdict: Verdict) -> str:
        lines = [plan.explanation]
        if not ex.ok:
            lines.append(f"Stopped: {ex.error}. The session is unchanged by that step.")
        lines += report_lines(verdict)
        lines += [f"Level safety after {o.tool}: {o.safety} (kept under -0.3 dBFS true peak)"
                  for o in ex.outcomes if o.safety and verdict.decision != "undo"
                  and (verdict.kept_version is None or (o.version is not None and o.version.id <= verdict.kept_version))]
        lines += [f"Note: {n}" for n in plan.notes]
        return "\n".join(line for line in lines if line)

    def _correction(self, request: str, word: str, meaning: str, session: Session) -> TurnResult:
        """Store what the user means by ``word``; if the previous turn used it, redo that whole turn."""
        c = self.kb.add_correction(user=self.user, word=word, meaning=meaning, utterance=request)
        saved = f"Got it — by '{c.word}' you mean {c.meaning} (saved as correction #{c.id}; " \
                f"`bandmate kb forget {c.id}` removes it)."
        start = session.head.id
        prev = session.last_turn()
        if prev is None or not mentions(c.word, prev.request) or session.head.parent is None:
            plan = Plan(kind="answer", explanation="", question="correction")
            return TurnResult(request, plan, f"{saved} I'll read it that way from now on.", session_id=session.id,
                              version_before=start, version_after=start)
        undone = session.undo_turn()  # every version of that turn, its adjustment too
        res = self.turn(prev.request, session)
        res.request, res.version_before, res.redone_from = request, start, undone.id
        note = "" if f"correction:{c.word}" in res.plan.terms else \
            f" (The new plan did not use your meaning of '{c.word}': tell me more precisely what should change.)"
        res.message = (f"{saved} I undid all of '{prev.request}' (back to version {undone.id}) and redid it "
                       f"with that reading:{note}\n{res.message}")
        return res
