"""Building an Agent from settings: one knowledge base, one registry, the chosen planner."""

from __future__ import annotations

from typing import Literal

from bandmate.agent.turn import Agent
from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.memory.store import Store
from bandmate.tools.context import Backends

PlannerName = Literal["offline", "llm"]


def build_agent(store: Store, *, settings: Settings | None = None, planner: PlannerName = "offline",
                user: str = "default", kb=None, backends: Backends | None = None) -> Agent:
    from bandmate.agent.offline import OfflinePlanner
    from bandmate.memory.knowledge import KnowledgeBase
    from bandmate.tools import default_registry

    settings = settings or Settings.from_env()
    registry = default_registry()
    kb = kb or KnowledgeBase(store.home)
    offline = OfflinePlanner(kb, registry)
    if planner == "offline":
        chosen = offline
    elif planner == "llm":
        from bandmate.agent.llm_planner import LLMPlanner

        chosen = LLMPlanner.from_settings(settings, registry=registry, kb=kb, fallback=offline)
    else:
        raise ToolInputError(f"unknown planner {planner!r}; use 'offline' or 'llm'")
    return Agent(planner=chosen, registry=registry, kb=kb, settings=settings, backends=backends or Backends(),
                 user=user)
