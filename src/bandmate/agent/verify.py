"""Verify a turn: did each expected change happen, on its target, over its range, by enough to hear?

Conventions
-----------
- *Before* is the version the turn started from, or, for a stem that version lacks, the first version of
  the turn that holds it (a stem the plan's own separation made is measured "as separated"). A stem
  that a step writes as new music (``add_stem``: no version before it held that stem) reads as silence
  before: ``loudness_lufs`` -120 LUFS, ``onset_rate`` 0, level measures ``FLOOR_DB``. The target
  ``"new"`` (``NEW_STEM``) names that stem when the planner cannot know its name in advance.
- *Range*: a change is measured over the seconds its steps touched — the union of the ranges
  (``start_s``/``end_s`` or 1-based inclusive ``start_bar``/``end_bar``) of its clause's steps on its
  target, bars resolved on the session's grid (tempo, meter, offset) as the tools resolve them. A
  clause with a whole-clip step naming that target is measured over the whole clip; so is one whose
  steps give no range. ``duration_s`` and
  the session measures (``stem_count``, ``tempo_bpm``) are never cut.
- *Judging* (``judge``): "up"/"down" must move the declared way by a noticeable amount (``NOTICEABLE``,
  a fraction of the value before for the ``RELATIVE`` families); "same" must not move noticeably.
- *Deciding* (``decide``): any change that went the wrong way undoes the whole turn; otherwise, clauses
  whose change was right but too small are applied once more (never twice); otherwise keep.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bandmate.agent.executor import keeps_dynamics
from bandmate.agent.plan import ExpectedChange, Plan, ToolCall
from bandmate.core import measures
from bandmate.core.errors import BandmateError, SessionError, ToolInputError
from bandmate.core.timing import Grid, meter_beats
from bandmate.memory.session import Session
from bandmate.memory.state import StateTable

# Smallest change a listener would notice, per measure family (in the measure's unit).
NOTICEABLE = {"band_db": 0.5, "loudness_lufs": 0.5, "crest_db": 0.5, "centroid_hz": 0.02,
              "rolloff_hz": 0.02, "stereo_width": 0.05, "decay_s": 0.05, "onset_rate": 0.1,
              "duration_s": 0.05, "stem_count": 1.0, "tempo_bpm": 1.0, "peak_dbfs": 0.5, "attack_db": 0.5,
              "ambience_db": 0.5}
SESSION_MEASURES = {"stem_count": lambda v: float(len(v.stems)),
                    "tempo_bpm": lambda v: float(v.state.tempo_bpm or 0.0)}
RELATIVE = {"centroid_hz", "rolloff_hz", "stereo_width", "decay_s", "onset_rate"}  # fractions, not units
NEW_STEM = "new"  # an ExpectedChange target: the stem this turn wrote as new music (add_stem)
UNCUT = {"duration_s"}  # measures of the whole clip whatever the range
SILENT_BEFORE = {"loudness_lufs": measures.FLOOR_LUFS, "peak_dbfs": measures.FLOOR_DB,
                 "onset_rate": 0.0, "band_db": measures.FLOOR_DB}  # a new stem, before it existed
Decision = Literal["keep", "again", "undo", "undo_part"]


@dataclass
class Measured:
    expected: ExpectedChange
    before: float | None
    after: float | None
    ok: bool
    noticeable: bool
    error: str | None = None
    range_s: tuple[float, float] | None = None  # the seconds measured; None: the whole clip

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def unclear(self) -> bool:
        """Moved the other way, but by less than anyone hears: measurement noise, not the wrong way."""
        d = self.delta
        return self.ok and not self.noticeable and d is not None and d != 0 and \
            self.expected.direction in ("up", "down") and (d > 0) != (self.expected.direction == "up")

    @property
    def where(self) -> str:
        return "" if self.range_s is None else f" in {self.range_s[0]:.2f}–{self.range_s[1]:.2f}s"

    def text(self) -> str:
        what = f"{self.expected.measure} on {self.expected.target}{self.where}"
        if self.error:
            return f"{what}: not measured ({self.error})"
        d = self.delta or 0.0
        unit = "dB" if self.expected.measure.startswith(("band_db", "crest", "peak", "attack", "ambience")) \
            else " LU" if self.expected.measure == "loudness_lufs" else ""
        verdict = "as intended" if self.ok and self.noticeable else (
            "no measurable change" if self.ok and d == 0 else "too small to tell which way" if self.unclear
            else "too small to hear" if self.ok else "went the wrong way")
        if self.expected.direction == "same":
            verdict = "kept, as asked" if self.ok else "moved, though it was meant to stay"
        if self.expected.at_least is not None:
            verdict = f"{'at least' if self.ok else 'under'} {self.expected.at_least:.3g}, " + (
                "as built" if self.ok else "not there")
        return f"{what}: {self.before:.3g} → {self.after:.3g} ({d:+.3g}{unit}, {verdict})"

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.expected.measure, "target": self.expected.target,
                "direction": self.expected.direction, "before": self.before, "after": self.after,
                "delta": self.delta, "ok": self.ok, "noticeable": self.noticeable, "error": self.error,
                "range_s": list(self.range_s) if self.range_s else None}


# ---- judging ------------------------------------------------------------------------------------
def noticeable(measure: str, before: float, after: float, min_change: float | None) -> bool:
    family = measure.split(":", 1)[0]
    if min_change is not None:
        return abs(after - before) >= min_change
    need = NOTICEABLE.get(family, 0.0)
    if family in RELATIVE:
        return abs(after - before) >= need * max(abs(before), 1e-9)
    return abs(after - before) >= need


def judge(exp: ExpectedChange, before: float, after: float) -> tuple[bool, bool]:
    """(went the declared way, by a noticeable amount).

    With ``at_least`` (a change made by construction) the way is "there": ``after`` reaches the floor
    and did not fall noticeably; nothing more is asked of its size.
    """
    big = noticeable(exp.measure, before, after, exp.min_change)
    if exp.at_least is not None:
        return after >= exp.at_least and not (after < before and big), True
    if exp.direction == "same":
        return not big, True
    if abs(after - before) <= 1e-9 * max(1.0, abs(before)):
        return True, False  # nothing moved: too small, not the wrong way (the parts that did move stay)
    ok = after > before if exp.direction == "up" else after < before
    if not ok and not big:  # the other way by less than anyone hears: noise, kept and said so (``unclear``)
        return True, False
    return ok, big


def decide(measured: list[Measured]) -> tuple[Decision, set[int]]:
    """What to do after the first pass, and which clauses to apply again (for ``"again"``)."""
    if any(not m.ok and m.error is None for m in measured if m.expected.direction != "same"):
        return "undo", set()
    weak = {m.expected.clause for m in measured if m.ok and not m.noticeable and not m.unclear}
    if weak and all(m.ok for m in measured):
        return "again", weak
    return "keep", set()


# ---- where and from when ---------------------------------------------------------------------------
def target_clip(session: Session, target: str, version_id: int | None = None):
    if target == "mix":
        return session.mix(version_id)
    return session.stem(target, version_id)


def first_with(session: Session, target: str, before_v: int, after_v: int) -> int:
    """The version to measure ``target`` before the change: ``before_v`` if it has the target, else the
    first version on the line from ``before_v`` to ``after_v`` that holds it (a stem the plan's own
    separation made: its 'before' is the stem as separated, not a version that had no such stem)."""
    if target == "mix" or target in session.version(before_v).stems:
        return before_v
    return next((x.id for x in _line(session, before_v, after_v) if target in x.stems), before_v)


def _line(session: Session, before_v: int, after_v: int) -> list:
    """Versions after ``before_v`` up to ``after_v`` along parents, oldest first."""
    line, v = [], session.version(after_v)
    while v.id != before_v and v.parent is not None:
        line.append(v)
        v = session.version(v.parent)
    return line[::-1]


def new_stems(session: Session, before_v: int, after_v: int) -> list[str]:
    """Stems a step of the turn wrote as new music: its result names the stem (``add_stem``'s ``stem``)
    and the version before that step did not hold it (a separation's stems were in the music already)."""
    out = []
    for v in _line(session, before_v, after_v):
        made = (v.step.get("result") or {}).get("stem")
        if isinstance(made, str) and made in v.stems and made not in session.version(v.parent).stems:
            out.append(made)
    return [n for n in dict.fromkeys(out) if n in session.version(after_v).stems]


def _step_range(step: ToolCall, grid: Grid | None, total_s: float) -> tuple[float, float] | None:
    """Seconds a step changes: its range, narrowed to where the tool acts in it (``ToolSpec.span``: a
    fade-out's last seconds); None = the whole clip."""
    a = step.args
    if a.get("start_bar") is not None or a.get("end_bar") is not None:
        if grid is None:
            return None  # bars without a tempo: the tool itself refused or analysed; measure it whole
        s_bar = int(a.get("start_bar") or 1)
        e_bar = int(a.get("end_bar") or max(s_bar, int(grid.bars_in(total_s) + 0.999)))
        start, end = grid.bars_to_range_s(s_bar, e_bar)
    elif a.get("start_s") is not None or a.get("end_s") is not None:
        start, end = float(a.get("start_s") or 0.0), float(a.get("end_s") or total_s)
    else:
        start, end = 0.0, total_s
    end = min(end, total_s)
    span = _spec_span(step.tool)
    if span is not None and end > start:
        start, end = span(a, start, end)
    if end <= start or (start <= 0.0 and end >= total_s and not _has_range(step)):
        return None
    return start, end


def _spec(tool: str):
    """The tool's ``ToolSpec`` (None for an unknown tool); the registry is cached once per process."""
    from bandmate.tools import default_registry

    registry = default_registry()
    return registry[tool] if tool in registry else None


def _spec_span(tool: str):
    spec = _spec(tool)
    return spec.span if spec is not None else None


def _has_range(step: ToolCall) -> bool:
    return any(step.args.get(k) is not None for k in ("start_s", "end_s", "start_bar", "end_bar"))


def _decides(step: ToolCall, target: str) -> bool:
    """Whether ``step``'s range says where ``target`` changed: a ranged step that names ``target`` (as
    target, stem or stems) or names no part (works on everything), or an unranged step that names it.
    An unranged step naming no part (separate, analyze) says nothing about where."""
    a = step.args
    named = [str(n) for n in (a.get("target"), a.get("stem"), *(a.get("stems") or [])) if n]
    if target in named:
        return True
    narrowed = _has_range(step) or _spec_span(step.tool) is not None  # a fade on the mix fades every stem
    return narrowed and (not named or target in ("mix", NEW_STEM))


def change_range(plan: Plan | None, exp: ExpectedChange, state: StateTable,
                 total_s: float) -> tuple[float, float] | None:
    """Seconds ``exp`` applies to: the union of its clause's step ranges on its target; None = whole clip."""
    if plan is None or exp.measure in UNCUT or exp.measure in SESSION_MEASURES:
        return None
    steps = [s for s in plan.steps if s.clause == exp.clause and _decides(s, exp.target)]
    if not steps:
        return None
    grid = Grid(state.tempo_bpm, meter_beats(state.time_signature), state.offset_s) if state.tempo_bpm else None
    ranges = [_step_range(s, grid, total_s) for s in steps]
    if any(r is None for r in ranges):
        return None
    start, end = min(r[0] for r in ranges), max(r[1] for r in ranges)
    return None if start <= 0.0 and end >= total_s else (start, end)


# ---- measuring --------------------------------------------------------------------------------------
def _measure_one(session: Session, exp: ExpectedChange, before_v: int, after_v: int,
                 plan: Plan | None) -> Measured:
    if exp.measure in SESSION_MEASURES:
        b, a = (SESSION_MEASURES[exp.measure](session.version(v)) for v in (before_v, after_v))
        return Measured(exp, b, a, *judge(exp, b, a))
    rng = None
    try:
        target, silent = exp.target, False
        if target == NEW_STEM:  # a part the turn wrote: before it, that part was silence
            made = new_stems(session, before_v, after_v)
            if not made:
                raise SessionError("the turn made no new stem")
            target, silent = made[-1], True
        after_clip = target_clip(session, target, after_v)
        state = session.version(before_v).state
        rng = change_range(plan, exp, state if state.tempo_bpm else session.version(after_v).state,
                           after_clip.duration_s)
        family = exp.measure.split(":", 1)[0]
        if silent and family not in SILENT_BEFORE:
            raise ToolInputError(f"{exp.measure} of a new stem has no 'before'; use one of "
                                 f"{', '.join(SILENT_BEFORE)}")
        b = SILENT_BEFORE[family] if silent else _measured(
            session, target, first_with(session, target, before_v, after_v), exp.measure, rng)
        a = _measured(session, target, after_v, exp.measure, rng, after_clip)
    except BandmateError as err:
        return Measured(exp, None, None, False, False, str(err), rng)
    if family == "band_db" and not silent and max(b, a) <= measures.FLOOR_DB + 0.5:
        # nothing in that band before or after (a DSP bass stem has no 2-4 kHz): not "no change", which
        # would apply the edit once more for a band that cannot move
        return Measured(exp, b, a, False, False, f"the {exp.measure.split(':', 1)[1]} Hz band of the {target} "
                        "is silent before and after, so it cannot show the change", rng)
    return Measured(exp, b, a, *judge(exp, b, a), range_s=rng)


_MEASURED: OrderedDict[tuple, float] = OrderedDict()  # (stored clip, measure, range) -> value
_MEASURED_LOCK = threading.Lock()


def _measured(session: Session, target: str, version_id: int, measure: str, rng, clip=None) -> float:
    """A measure of a stored clip, kept per stored clip: a turn's 'after' is the next turn's 'before', and an
    adjusting second pass measures the same 'before' again (clips are content-addressed, never rewritten)."""
    v = session.version(version_id)
    key = (v.mix if target == "mix" else v.stems.get(target), measure, rng)
    with _MEASURED_LOCK:
        if key[0] is not None and key in _MEASURED:
            _MEASURED.move_to_end(key)
            return _MEASURED[key]
    cut = _cut(clip if clip is not None else target_clip(session, target, version_id), rng)
    value = measures.measure(measure, cut, spectrum=lambda: _spectrum(key[0], rng, cut))
    if key[0] is not None:
        with _MEASURED_LOCK:
            _MEASURED[key] = value
            while len(_MEASURED) > 4096:
                _MEASURED.popitem(last=False)
    return value


_SPECTRA: OrderedDict[tuple, Any] = OrderedDict()  # (stored clip, range) -> its long-term spectrum
_SPECTRA_KEPT = 64  # a few kB each


def _spectrum(blob: str | None, rng, clip):
    """The long-term spectrum of a stored clip (over ``rng``), kept per stored clip: measuring another band
    of a stem whose audio did not change (the bass 'before' of "less boomy" after "warmer") reads it again."""
    if blob is None:
        return measures.long_term_spectrum(clip)
    with _MEASURED_LOCK:
        if (blob, rng) in _SPECTRA:
            _SPECTRA.move_to_end((blob, rng))
            return _SPECTRA[(blob, rng)]
    spec = measures.long_term_spectrum(clip)
    with _MEASURED_LOCK:
        _SPECTRA[(blob, rng)] = spec
        while len(_SPECTRA) > _SPECTRA_KEPT:
            _SPECTRA.popitem(last=False)
    return spec


def _cut(clip, rng: tuple[float, float] | None):
    return clip if rng is None else clip.slice_s(*rng)


def measure_expected(session: Session, expected: list[ExpectedChange], before_v: int, after_v: int,
                     plan: Plan | None = None) -> list[Measured]:
    """Each expected change measured before and after (over its range when ``plan`` gives one) and judged."""
    return [_measure_one(session, exp, before_v, after_v, plan) for exp in expected]


# ---- the verify stage -------------------------------------------------------------------------------
def implied(plan: Plan) -> list[ExpectedChange]:
    """Checks a stated constraint adds, so the report proves it: "don't squash it" (``keep_dynamics``) keeps
    the mix's crest factor within a decibel; "hit harder without making it louder" (``keep_level``) keeps the
    mix's loudness within 1 LU."""
    out = []
    said = {e.measure for e in plan.expected if e.target == "mix"}
    if keeps_dynamics(plan) and "crest_db" not in said:
        out.append(ExpectedChange(measure="crest_db", direction="same", target="mix", min_change=1.0))
    if any(getattr(c, "kind", c) == "keep_level" for c in plan.constraints or []) and "loudness_lufs" not in said:
        out.append(ExpectedChange(measure="loudness_lufs", direction="same", target="mix", min_change=1.0))
    return out


@dataclass
class Verdict:
    measured: list[Measured]
    decision: Decision = "keep"
    adjusted: bool = False  # the turn was undone (all or part) or applied once more
    undone: list[str] = field(default_factory=list)  # "undo_part": the undone steps, as their plan says them
    kept_version: int | None = None  # "undo_part": the version the turn now ends at


def verify(plan: Plan, session: Session, before_v: int, *, adjust: bool = True,
           run_again: Callable[[Plan], bool] | None = None,
           step_versions: list[int | None] | None = None) -> Verdict:
    """Measure the plan's expected changes from ``before_v`` to the head; undo or apply once more.

    ``run_again(plan)`` runs the given (reduced) plan on the head as part of the same turn and says
    whether it succeeded; without it a too-small change is only reported. ``adjust=False`` (a plan
    that stopped at a failing step) only measures. ``step_versions``: the version each of the plan's steps
    made (None: none), in step order; with it, when only the last clauses went the wrong way ("darker
    piano, and a big hall on the strings" where the hall is the wrong one), only their steps are undone and
    the earlier clauses' work is kept.
    """
    expected = [*plan.expected, *implied(plan)]
    if not expected or session.head.id == before_v:
        return Verdict([])
    measured = measure_expected(session, expected, before_v, session.head.id, plan)
    decision, weak = decide(measured)
    if not adjust:
        return Verdict(measured)
    if decision == "undo":
        wrong = {m.expected.clause for m in measured
                 if not m.ok and m.error is None and m.expected.direction != "same"}
        keep = _kept_before(plan, step_versions or [], wrong, session, before_v)
        while session.head.id != (keep or before_v) and session.head.parent is not None:
            session.undo()
        if keep is not None:
            return Verdict(measured, "undo_part", True, [s.why or s.tool for s in plan.steps if s.clause in wrong],
                           keep)
        return Verdict(measured, "undo", True)
    if decision == "again" and run_again is not None:
        redo = plan.model_copy(update={"steps": [s for s in plan.steps if s.clause in weak and _stacks(s.tool)]})
        if redo.steps and run_again(redo):
            return Verdict(measure_expected(session, expected, before_v, session.head.id, plan), "again", True)
    return Verdict(measured)


def _kept_before(plan: Plan, versions: list[int | None], wrong: set[int], session: Session,
                 before_v: int) -> int | None:
    """The version to go back to so that only the ``wrong`` clauses are undone: the last version an earlier
    clause made, when every step from the first wrong one on belongs to a wrong clause (else None: the
    steps are interleaved, and the whole turn is undone)."""
    steps = plan.steps[:len(versions)]
    first = next((i for i, s in enumerate(steps) if s.clause in wrong), None)
    if not first or any(s.clause not in wrong for s in steps[first:]):
        return None
    kept = [v for v in versions[:first] if v is not None]
    if not kept or kept[-1] not in {v.id for v in _line(session, before_v, session.head.id)}:
        return None
    return kept[-1]


def _stacks(tool: str) -> bool:
    """Whether a second run of ``tool`` is more of the same (its ``ToolSpec.stacks``)."""
    spec = _spec(tool)
    return spec is not None and spec.stacks


def report_lines(verdict: Verdict) -> list[str]:
    """The measured lines and what was done about them, as the turn reports them."""
    lines = ["Measured: " + m.text() for m in verdict.measured]
    if verdict.decision == "undo":
        lines.append("That went the wrong way, so I undid it. Try describing it differently, or correct me.")
    elif verdict.decision == "undo_part":
        lines.append(f"That went the wrong way for {'; '.join(verdict.undone)}, so I undid that part and kept "
                     "the rest. Try describing it differently, or correct me.")
    elif verdict.decision == "again":
        lines.append("The first pass was too subtle to hear, so I applied it once more.")
    return lines
