"""The interpreter as MCP tools: ``interpret`` (a vague request in; plan, explanation, measured changes
and a link to the new version's audio out) and ``reject_last`` (undo the last turn, keep why as feedback).

Both run the same ``Agent.turn`` every other surface runs; the agent (planner, knowledge base) is built
on first use and kept for the server's lifetime.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from pydantic import Field

from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.memory.store import Store

AGENT_VERBS = ("interpret", "reject_last")
SessionId = Annotated[str, Field(description="Session id (from session_new or session_list).",
                                 min_length=1, max_length=64)]


class AgentHolder:
    """One agent per server, built lazily (the knowledge base loads an embedding model)."""

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings
        self._agent = None
        self._lock = threading.Lock()
        self.last_request: dict[str, str] = {}

    def get(self) -> Any:
        with self._lock:
            if self._agent is None:
                from bandmate.agent.factory import build_agent

                planner = "llm" if self.settings.llm_model else "offline"
                self._agent = build_agent(self.store, settings=self.settings, planner=planner)
            return self._agent


def interpret(holder: AgentHolder, session_id: str, request: str, dry_run: bool) -> dict[str, Any]:
    from bandmate.agent.view import SessionView
    from bandmate.memory.session import Session
    from bandmate.surfaces.mcp_audio import audio_uri

    session = Session(holder.store, session_id)
    holder.store.info(session_id)  # an unknown session fails here with the list of known ones
    agent = holder.get()
    if dry_run:
        plan = agent.planner.plan(request, SessionView.of(session), user=agent.user)
        return {"session_id": session_id, "dry_run": True, "plan": plan.model_dump(mode="json"),
                "explanation": plan.explanation, "head": session.head.id}
    res = agent.turn(request, session, store=holder.store)
    holder.last_request[session_id] = request
    out = res.to_json()
    out.update(session_id=session_id, dry_run=False, explanation=res.plan.explanation,
               head=holder.store.info(session_id).head)
    if res.version_after and res.version_after != res.version_before:
        out["audio"] = audio_uri(session_id, res.version_after)
    return out


def reject_last(holder: AgentHolder, session_id: str, reason: str) -> dict[str, Any]:
    """Undo every version the last turn made and remember ``reason`` for the request that made it."""
    store = holder.store
    head = store.version(session_id)
    turn = head.step.get("turn")
    if head.parent is None or not turn:
        raise ToolInputError("nothing to reject: the head was not made by an interpreted turn (use session_undo "
                             "for single tool calls)")
    undone = 0
    while head.parent is not None and head.step.get("turn") == turn:
        head = store.undo(session_id)
        undone += 1
    request = holder.last_request.pop(session_id, None) or head.step.get("note") or "the last request"
    agent = holder.get()
    if agent.kb is not None and reason.strip():
        agent.kb.add_correction(user=agent.user, word=request[:60], meaning=f"not that: {reason.strip()}",
                                utterance=request)
    return {"session_id": session_id, "head": head.id, "undone_versions": undone, "request": request,
            "feedback": reason.strip()}


def add_agent_verbs(server: Any, store: Store, settings: Settings, errors) -> None:
    holder = AgentHolder(store, settings)

    @server.tool(name="interpret")
    @errors
    def interpret_tool(
        session_id: SessionId,
        request: Annotated[str, Field(description="What the user wants, in their own words, e.g. 'make the drums "
                                                  "punchier' or 'what are the chords?'.", min_length=1,
                                      max_length=2000)],
        dry_run: Annotated[bool, Field(description="true: return the plan only, change nothing.")] = False,
    ) -> dict[str, Any]:
        """Carry out a musical request on a session: plan it, run the tools, measure what changed.

        Returns the plan, an explanation, the measured changes and (when a version was made) `audio`,
        the URI of the new mix, readable with resources/read.
        """
        return interpret(holder, session_id, request, dry_run)

    @server.tool(name="reject_last")
    @errors
    def reject_last_tool(
        session_id: SessionId,
        reason: Annotated[str, Field(description="Why it was wrong, e.g. 'too bright, I meant more attack'.",
                                     max_length=500)] = "",
    ) -> dict[str, Any]:
        """Undo the last interpreted turn and remember why, so the interpreter reads the request differently next time."""
        return reject_last(holder, session_id, reason)
