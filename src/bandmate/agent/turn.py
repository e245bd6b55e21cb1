"""One conversational turn: understand, plan, run, measure, adjust once, report.

Every surface (terminal chat, `bandmate edit`, Streamlit, MCP, eval) calls ``Agent.turn``; none
re-implements planning or execution. Corrections ("no, by warm I mean less harsh highs") are stored in
the knowledge base for this user, the previous edit is undone, and the previous request is re-planned.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from bandmate.agent import answers
from bandmate.agent.executor import Execution, execute
from bandmate.agent.parser import Range
from bandmate.agent.plan import Plan
from bandmate.agent.view import SessionView
from bandmate.core import measures
from bandmate.core.errors import BandmateError
from bandmate.memory.session import Session

CORRECTION_RE = re.compile(
    r"^(?:no|nope|not that|nah|wrong)\b[,.! ]*(?:by|when i say|with)\s+[\"']?(?P<word>[a-z][a-z -]{0,30}?)[\"']?"
    r",?\s+i (?:mean|meant)\s+(?P<meaning>.+?)(?:,?\s+(?:not|rather than|instead of)\s+.+)?[.!]?$", re.I)


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

    planner: Any
    registry: Any
    kb: Any = None
    settings: Any = None
    backends: Any = None
    user: str = "default"
    last_request: dict[str, str] = field(default_factory=dict)  # session id -> last edit request

    def turn(self, request: str, session: Session | None, *, store=None) -> TurnResult:
        """Answer one request. With ``session=None`` (a new chat) the plan must start by creating one."""
        m = CORRECTION_RE.match(request.strip())
        if m and self.kb is not None and session is not None:
            return self._correction(request, m.group("word").strip(), m.group("meaning").strip(), session)
        t0 = time.perf_counter()
        view = SessionView.of(session) if session is not None else SessionView()
        plan = self.planner.plan(request, view, user=self.user)
        plan_s = time.perf_counter() - t0
        created = None
        if session is None:
            session, plan, created = self._create(plan, store)
            if session is None:
                return TurnResult(request, plan, plan.text() or plan.explanation, plan_s=plan_s)
        res = self._run(request, plan, session, view)
        if plan.replan and res.execution is not None and res.execution.ok:
            first = res.message
            t1 = time.perf_counter()
            plan = self.planner.plan(request, SessionView.of(session), user=self.user)
            plan_s += time.perf_counter() - t1
            again = self._run(request, plan, session, view)
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
        if plan.kind == "edit":
            self.last_request[session.id] = request
        return res

    def _create(self, plan: Plan, store):
        """Run a plan's first, session-creating step; return the new session and the remaining plan."""
        from bandmate.tools.run import run_tool

        if plan.kind != "edit" or not plan.steps or not self.registry[plan.steps[0].tool].creates_session:
            return None, plan, None
        if store is None:
            raise ValueError("a store is needed to create a session")
        first = plan.steps[0]
        out = run_tool(self.registry, first.tool, first.args, store=store, session_id=None,
                       settings=self.settings, backends=self.backends, user=self.user)
        session = Session(store, out.version.session_id)
        rest = plan.model_copy(update={"steps": plan.steps[1:]})
        if not rest.steps:
            rest = rest.model_copy(update={"kind": "answer", "question": "created", "expected": []})
        return session, rest, out

    # ---- kinds of plans ---------------------------------------------------------------------------
    def _run(self, request: str, plan: Plan, session: Session, view: SessionView) -> TurnResult:
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
                                        backends=self.backends)
                res.answer = self._answer(request, plan, session, res.execution)
                res.message = res.answer if res.execution.ok else res.execution.error
            else:
                res.execution = execute(plan, session, self.registry, settings=self.settings,
                                        backends=self.backends)
                res.adjusted = self._adjust_once(plan, session, res.execution, before)
                res.message = self._report(plan, res.execution, res.adjusted)
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
            v = self._undo_turn(session) if h.action == "undo" else self._redo_turn(session)
        step = session.head.step.get("tool", "?")
        return f"{plan.explanation} Now at version {v.id} (after '{step}')."

    @staticmethod
    def _undo_turn(session: Session):
        """Undo every version the latest turn made (an edit plus its adjustment is one turn)."""
        turn = session.head.step.get("turn")
        v = session.undo()
        while turn and v.step.get("turn") == turn and v.parent is not None:
            v = session.undo()
        return v

    @staticmethod
    def _redo_turn(session: Session):
        v = session.redo()
        turn = v.step.get("turn")
        while turn:
            pending = session.store.info(session.id).redo
            if not pending or session.version(pending[-1]).step.get("turn") != turn:
                break
            v = session.redo()
        return v

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
            elif topic == "changed":
                parts.append(answers.last_change(view))
            else:
                lufs = measures.loudness_lufs(session.mix()) if topic == "loudness" else None
                rng = {"start_bar": bars[0], "end_bar": bars[1]} if bars else {}
                parts.append(answers.answer(topic, view, measured=bool(plan.steps), loudness_lufs=lufs, **rng))
        return " ".join(parts)

    def _adjust_once(self, plan: Plan, session: Session, ex: Execution, before: int) -> bool:
        """If the change went the wrong way, undo it; if it was too small to hear, apply it once more."""
        if not ex.ok or not ex.measured:
            return False
        if any(not m.ok and m.error is None for m in ex.measured if m.expected.direction != "same"):
            while session.head.id != before and session.head.parent is not None:
                session.undo()
            return True
        weak = {m.expected.clause for m in ex.measured if m.ok and not m.noticeable}
        if all(m.ok for m in ex.measured) and weak:
            # only the parts of the request whose change was too small are applied once more
            redo = plan.model_copy(update={"steps": [s for s in plan.steps if s.clause in weak]})
            again = execute(redo, session, self.registry, settings=self.settings, backends=self.backends,
                            turn=ex.turn)
            if again.ok:
                from bandmate.agent.executor import measure_expected

                ex.outcomes += again.outcomes
                ex.measured = measure_expected(session, plan.expected, before, session.head.id)
                return True
        return False

    def _report(self, plan: Plan, ex: Execution, adjusted: bool) -> str:
        lines = [plan.explanation]
        if not ex.ok:
            lines.append(f"Stopped: {ex.error}. The session is unchanged by that step.")
        for m in ex.measured:
            lines.append("Measured: " + m.text())
        wrong = [m for m in ex.measured if not m.ok and m.error is None and m.expected.direction != "same"]
        if adjusted and wrong:
            lines.append("That went the wrong way, so I undid it. Try describing it differently, or correct me.")
        elif adjusted:
            lines.append("The first pass was too subtle to hear, so I applied it once more.")
        lines += [f"Note: {n}" for n in plan.notes]
        return "\n".join(line for line in lines if line)

    def _correction(self, request: str, word: str, meaning: str, session: Session) -> TurnResult:
        self.kb.add_correction(user=self.user, word=word, meaning=meaning, utterance=request)
        previous = self.last_request.get(session.id)
        if previous and word in previous.lower() and session.head.parent is not None:
            session.undo()
            res = self.turn(previous, session)
            res.message = f"Got it — for you, '{word}' means {meaning}. I undid the last edit and redid it:\n" \
                          + res.message
            return res
        plan = Plan(kind="answer", explanation="", question="correction")
        return TurnResult(request, plan, f"Got it — for you, '{word}' means {meaning}. I'll use that from now on.",
                          session_id=session.id, version_before=session.head.id, version_after=session.head.id)
