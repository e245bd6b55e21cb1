"""Running a Plan against a session: one history entry per step, stop cleanly at the first failure.

The executor only runs tools. Measuring what the plan changed, judging it and deciding to keep, apply
once more or undo is ``agent.verify``; its results are kept on the ``Execution`` for the report.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bandmate.agent.plan import Plan
from bandmate.core.errors import BandmateError
from bandmate.core.settings import Settings
from bandmate.memory.session import Session
from bandmate.tools.context import Backends
from bandmate.tools.run import ToolOutcome, run_tool
from bandmate.tools.spec import Registry

if TYPE_CHECKING:
    from bandmate.agent.verify import Measured


@dataclass
class Execution:
    outcomes: list[ToolOutcome] = field(default_factory=list)
    failed_step: int | None = None
    error: str | None = None
    measured: list[Measured] = field(default_factory=list)  # filled by agent.verify
    turn: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def keeps_dynamics(plan: Plan) -> bool:
    """The plan asks the level-safety stage not to squash: its flag, or a stated constraint of that kind."""
    kinds = {getattr(c, "kind", c) for c in getattr(plan, "constraints", None) or []}
    return plan.keep_dynamics or "keep_dynamics" in kinds


def execute(plan: Plan, session: Session, registry: Registry, *, settings: Settings | None = None,
            backends: Backends | None = None, turn: str | None = None,
            cancel: threading.Event | None = None) -> Execution:
    """Run every step in order; stop at the first failure (that step leaves no version behind).

    Every version the plan makes carries one turn id, so a follow-up ("a bit more") can find them.
    ``cancel``: once set, the running step commits nothing and no further step starts.
    """
    ex = Execution(turn=turn or uuid.uuid4().hex[:8])
    turn = ex.turn
    for i, step in enumerate(plan.steps):
        try:
            ex.outcomes.append(run_tool(registry, step.tool, step.args, store=session.store,
                                        session_id=session.id, settings=settings, backends=backends,
                                        note=step.why, turn=turn, allow_clipping=plan.allow_clipping,
                                        keep_dynamics=keeps_dynamics(plan), cancel=cancel))
        except BandmateError as err:
            ex.failed_step, ex.error = i, f"step {i + 1} ({step.tool}) failed: {err}"
            break
    return ex


_MOVED = {"NOTICEABLE", "SESSION_MEASURES", "RELATIVE", "Measured", "judge", "noticeable", "first_with",
          "measure_expected", "target_clip"}


def __getattr__(name: str):
    """Names that moved to ``agent.verify`` keep importing from here (callers not yet updated)."""
    if name in _MOVED:
        from bandmate.agent import verify

        return getattr(verify, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
