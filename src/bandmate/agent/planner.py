"""The one protocol both planners implement: a request and a view of the session in, a typed Plan out.

The planner reads the request's words once and says what kind of turn it is: an edit, a question
(``answer``), a clarification, a history move, a follow-up (an edit read against the previous turn) or
a correction (``correction``: a word and its new meaning). ``Agent.turn`` only acts on that reading.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bandmate.agent.plan import Plan
from bandmate.agent.view import SessionView


@runtime_checkable
class Planner(Protocol):
    name: str

    def plan(self, request: str, view: SessionView, *, user: str = "default") -> Plan:
        """The typed plan for ``request`` on the session seen through ``view`` (never runs anything)."""
        ...
