"""Running a Plan against a session: one history entry per step, stop cleanly at the first failure.

The executor measures each expected change on its target before and after the whole plan, and
reports whether it went the declared way by a noticeable amount.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bandmate.agent.plan import ExpectedChange, Plan
from bandmate.core import measures
from bandmate.core.errors import BandmateError
from bandmate.core.settings import Settings
from bandmate.memory.session import Session
from bandmate.tools.context import Backends
from bandmate.tools.run import ToolOutcome, run_tool
from bandmate.tools.spec import Registry

# Smallest change a listener would notice, per measure family (in the measure's unit).
NOTICEABLE = {"band_db": 0.5, "loudness_lufs": 0.5, "crest_db": 0.5, "centroid_hz": 0.02,
              "rolloff_hz": 0.02, "stereo_width": 0.05, "decay_s": 0.05, "onset_rate": 0.1,
              "duration_s": 0.05, "stem_count": 1.0, "tempo_bpm": 1.0}
SESSION_MEASURES = {"stem_count": lambda v: float(len(v.stems)),
                    "tempo_bpm": lambda v: float(v.state.tempo_bpm or 0.0)}
RELATIVE = {"centroid_hz", "rolloff_hz", "stereo_width", "decay_s", "onset_rate"}  # fractions, not units


@dataclass
class Measured:
    expected: ExpectedChange
    before: float | None
    after: float | None
    ok: bool
    noticeable: bool
    error: str | None = None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def text(self) -> str:
        if self.error:
            return f"{self.expected.measure} on {self.expected.target}: not measured ({self.error})"
        d = self.delta or 0.0
        unit = "dB" if self.expected.measure.startswith(("band_db", "crest")) else ""
        verdict = "as intended" if self.ok and self.noticeable else (
            "too small to hear" if self.ok else "went the wrong way")
        return (f"{self.expected.measure} on {self.expected.target}: {self.before:.3g} → {self.after:.3g} "
                f"({d:+.3g}{unit}, {verdict})")

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.expected.measure, "target": self.expected.target,
                "direction": self.expected.direction, "before": self.before, "after": self.after,
                "delta": self.delta, "ok": self.ok, "noticeable": self.noticeable, "error": self.error}


@dataclass
class Execution:
    outcomes: list[ToolOutcome] = field(default_factory=list)
    failed_step: int | None = None
    error: str | None = None
    measured: list[Measured] = field(default_factory=list)
    turn: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def target_clip(session: Session, target: str, version_id: int | None = None):
    if target == "mix":
        return session.mix(version_id)
    return session.stem(target, version_id)


def noticeable(measure: str, before: float, after: float, min_change: float | None) -> bool:
    family = measure.split(":", 1)[0]
    if min_change is not None:
        return abs(after - before) >= min_change
    need = NOTICEABLE.get(family, 0.0)
    if family in RELATIVE:
        return abs(after - before) >= need * max(abs(before), 1e-9)
    return abs(after - before) >= need


def judge(exp: ExpectedChange, before: float, after: float) -> tuple[bool, bool]:
    """(went the declared way, by a noticeable amount)."""
    big = noticeable(exp.measure, before, after, exp.min_change)
    if exp.direction == "same":
        return not big, True
    ok = after > before if exp.direction == "up" else after < before
    return ok, big


def first_with(session: Session, target: str, before_v: int, after_v: int) -> int:
    """The version to measure ``target`` before the change: ``before_v`` if it has the target, else the
    first version on the line from ``before_v`` to ``after_v`` that holds it (a stem the plan's own
    separation made: its 'before' is the stem as separated, not a version that had no such stem)."""
    if target == "mix" or target in session.version(before_v).stems:
        return before_v
    line, v = [], session.version(after_v)
    while v.id != before_v and v.parent is not None:
        line.append(v)
        v = session.version(v.parent)
    return next((x.id for x in reversed(line) if target in x.stems), before_v)


def measure_expected(session: Session, expected: list[ExpectedChange], before_v: int,
                     after_v: int) -> list[Measured]:
    out = []
    for exp in expected:
        if exp.measure in SESSION_MEASURES:
            b, a = (SESSION_MEASURES[exp.measure](session.version(v)) for v in (before_v, after_v))
            ok, big = judge(exp, b, a)
            out.append(Measured(exp, b, a, ok, big))
            continue
        try:
            b = measures.measure(exp.measure, target_clip(session, exp.target, first_with(session, exp.target,
                                                                                           before_v, after_v)))
            a = measures.measure(exp.measure, target_clip(session, exp.target, after_v))
        except BandmateError as err:
            out.append(Measured(exp, None, None, False, False, str(err)))
            continue
        ok, big = judge(exp, b, a)
        out.append(Measured(exp, b, a, ok, big))
    return out


def execute(plan: Plan, session: Session, registry: Registry, *, settings: Settings | None = None,
            backends: Backends | None = None, turn: str | None = None) -> Execution:
    """Run every step in order; stop at the first failure (that step leaves no version behind).

    Every version the plan makes carries one turn id, so a follow-up ("a bit more") can find them.
    """
    ex = Execution(turn=turn or uuid.uuid4().hex[:8])
    turn = ex.turn
    start_version = session.head.id
    for i, step in enumerate(plan.steps):
        try:
            ex.outcomes.append(run_tool(registry, step.tool, step.args, store=session.store,
                                        session_id=session.id, settings=settings, backends=backends,
                                        note=step.why, turn=turn))
        except BandmateError as err:
            ex.failed_step, ex.error = i, f"step {i + 1} ({step.tool}) failed: {err}"
            break
    end_version = session.head.id
    if plan.expected and end_version != start_version:
        ex.measured = measure_expected(session, plan.expected, start_version, end_version)
    return ex
