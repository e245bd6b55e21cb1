"""The LLM planner: a chat model with the registry's tools bound, validated, repaired, or replaced.

Any OpenAI-compatible endpoint works (OpenAI, vLLM, Ollama, llama.cpp server): set
``BANDMATE_LLM_MODEL``, ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``. The loop:

1. build the messages (``llm_prompt``: versioned system prompt with the session state, retrieved
   lexicon explanations, this user's corrections and tool signatures) and call the model;
2. validate every function call it makes (tool arguments through the tool's own ``Args``, planning
   functions through ``llm_meta``, stems and bar ranges against the session);
3. on errors, send them back as tool messages carrying the JSON error list, at most ``max_repairs``
   times; then, or on a model/network failure or a reply without calls, the offline planner plans
   instead and the plan's ``notes`` say so.

Model output is only ever parsed as JSON and validated by pydantic; it is never executed as code.
Each attempt is kept in ``last_trace`` for debugging.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from bandmate.agent import llm_checks as checks
from bandmate.agent.constraints import enforce, read_constraints, refusal_plan
from bandmate.agent.corrections import correction_plan
from bandmate.agent.followups import followup_plan
from bandmate.agent.llm_meta import META_MODELS, meta_tools, parse_meta
from bandmate.agent.llm_prompt import PROMPT_VERSION, build_messages
from bandmate.agent.plan import Clarification, HistoryMove, Plan, ToolCall
from bandmate.agent.view import SessionView
from bandmate.agent.wording import describe_call
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.tools.spec import Registry

LLM_TIMEOUT_S = 60.0
MAX_TOOL_CALLS_PER_REPLY = 8  # a plan needing more steps is a plan to split; 30 calls made 30 versions
RETRIEVE_K = 5  # the same number `bandmate plan --show-prompt` shows
ENV_HELP = ("set BANDMATE_LLM_MODEL (the model name, e.g. 'gpt-4o-mini' or what your local server serves), "
            "OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM; "
            "omit for OpenAI) and OPENAI_API_KEY (any value for a local server); or use --planner offline")


@dataclass
class Call:
    """One function call from the model, as received, with its validated form or its error."""

    id: str
    name: str
    raw_args: Any
    parsed: BaseModel | None = None
    error: str | None = None


@dataclass
class Attempt:
    """One model call: what was sent, what came back, what was wrong with it."""

    messages: list[Any]
    reply: Any = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None


class LLMPlanner:
    name = "llm"

    def __init__(self, chat_model, registry: Registry, kb, fallback, *, max_repairs: int = 2,
                 prompt_version: str = PROMPT_VERSION):
        from bandmate.tools.openai_schema import openai_tools

        clash = set(META_MODELS) & set(registry.names())
        if clash:
            raise ValueError(f"tool names {sorted(clash)} clash with the planner's planning functions")
        self.registry, self.kb, self.fallback = registry, kb, fallback
        self.max_repairs = max_repairs
        self.prompt_version = prompt_version
        self.functions = [*openai_tools(registry), *meta_tools()]
        self.model = chat_model.bind_tools(self.functions)
        self.last_trace: list[Attempt] = []

    @classmethod
    def from_settings(cls, settings, *, registry: Registry, kb, fallback, timeout_s: float = LLM_TIMEOUT_S,
                      max_repairs: int = 2) -> LLMPlanner:
        """A planner on ``langchain_openai.ChatOpenAI`` configured from the environment's settings."""
        if not settings.llm_model:
            raise BackendUnavailable(f"the LLM planner has no model configured: {ENV_HELP}")
        if not settings.openai_base_url and not settings.openai_api_key:
            raise BackendUnavailable(f"the LLM planner has no endpoint: OPENAI_API_KEY and OPENAI_BASE_URL are "
                                     f"both unset; {ENV_HELP}")
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as err:
            raise BackendUnavailable(f"the LLM planner needs langchain-openai ({err}); install it with "
                                     "pip install 'bandmate[agent]', or use --planner offline") from None
        # local servers accept any key, but the client insists on one
        model = ChatOpenAI(model=settings.llm_model, base_url=settings.openai_base_url,
                           api_key=settings.openai_api_key or "not-needed", temperature=0, timeout=timeout_s,
                           max_retries=1)
        return cls(model, registry, kb, fallback, max_repairs=max_repairs)

    # ---- the loop ---------------------------------------------------------------------------------
    def plan(self, request: str, view: SessionView, *, user: str = "default") -> Plan:
        self.last_trace = []
        if not request or not request.strip():
            return self.fallback.plan(request, view, user=user)
        fix = correction_plan(request, planner=self.name)
        if fix is not None:  # a correction is read exactly, never left to the model
            return fix
        again = followup_plan(request, view, lexicon=self.kb.lexicon, planner=self.name)
        if again is not None:  # so is a follow-up ("less", "same for the keys"): it leans on the last turn
            return again
        constraints, rest = read_constraints(request, view.stems)
        hits = self.kb.retrieve(request, user=user, k=RETRIEVE_K)
        messages = _to_langchain(build_messages(request, view, hits, self.registry, self.kb.lexicon,
                                                version=self.prompt_version))
        for attempt_no in range(self.max_repairs + 1):
            attempt = Attempt(messages=list(messages))
            self.last_trace.append(attempt)
            try:
                reply = _with_ids(self.model.invoke(messages), attempt_no)
            except Exception as err:  # noqa: BLE001 - any model/network failure hands over to the fallback
                attempt.failure = f"the model call failed ({type(err).__name__}: {_short(err)})"
                return self._fall_back(request, view, user, attempt.failure)
            attempt.reply = reply
            calls = self._parse_calls(reply)
            if not calls:
                attempt.failure = "the model answered without calling any function"
                return self._fall_back(request, view, user, attempt.failure)
            plan, errors = self._assemble(calls, reply, view, hits)
            attempt.errors = errors
            if not errors:
                return self._kept(plan, constraints, rest, view)
            messages += [reply, *_feedback(calls, errors)]
        last = "; ".join(e["error"] for e in self.last_trace[-1].errors)
        return self._fall_back(request, view, user, f"its function calls were still invalid after "
                                                    f"{self.max_repairs} repairs ({_short(last)})")

    def _kept(self, plan: Plan, constraints: list, rest: str, view: SessionView) -> Plan:
        """The model's plan with the request's stated constraints kept ("… but leave the drums alone"):
        a mix edit re-aimed at the other stems, or refused before it runs, as the offline planner does."""
        if not constraints:
            return plan
        steps, refused = enforce(plan.steps, constraints, view.stems)
        if refused:
            return refusal_plan(refused, rest, constraints, planner=self.name)
        return plan.model_copy(update={"steps": steps, "constraints": constraints})

    def _fall_back(self, request: str, view: SessionView, user: str, why: str) -> Plan:
        plan = self.fallback.plan(request, view, user=user)
        note = f"The LLM planner could not plan this: {why}. This plan comes from the offline planner."
        return plan.model_copy(update={"notes": [*plan.notes, note]})

    # ---- validation -------------------------------------------------------------------------------
    def _parse_calls(self, reply) -> list[Call]:
        calls = []
        for tc in getattr(reply, "tool_calls", None) or []:
            call = Call(id=tc["id"], name=tc["name"], raw_args=tc.get("args"))
            try:
                call.parsed = self._parse_one(call.name, call.raw_args)
            except ToolInputError as err:
                call.error = str(err)
            calls.append(call)
        for tc in getattr(reply, "invalid_tool_calls", None) or []:
            calls.append(Call(id=tc["id"], name=tc.get("name") or "?", raw_args=tc.get("args"),
                              error=f"the arguments of {tc.get('name')!r} are not a valid JSON object "
                                    f"({tc.get('error') or 'could not parse'}): send a JSON object that "
                                    f"matches the function's schema"))
        return calls

    def _parse_one(self, name: str, raw: Any) -> BaseModel:
        if name in META_MODELS:
            return parse_meta(name, raw)
        if name in self.registry:
            return self.registry[name].parse_args(raw)
        raise ToolInputError(f"unknown function {name!r}; valid tools: {', '.join(self.registry.names())}; "
                             f"planning functions: {', '.join(META_MODELS)}")

    def _assemble(self, calls: list[Call], reply, view: SessionView, hits) -> tuple[Plan | None, list[dict]]:
        """The Plan these calls describe, or the list of errors to send back."""
        if len(calls) > MAX_TOOL_CALLS_PER_REPLY:  # the one place the cap is checked
            return None, [checks.err(c, f"this reply makes {len(calls)} function calls; at most "
                                        f"{MAX_TOOL_CALLS_PER_REPLY} are allowed in one reply: plan only the "
                                        "steps this request needs") for c in calls]
        errors = [checks.err(c, c.error) for c in calls if c.error]
        tools = [c for c in calls if c.parsed is not None and c.name in self.registry]
        metas: dict[str, Call] = {}
        for c in calls:
            if c.parsed is not None and c.name in META_MODELS:
                if c.name in metas:
                    errors.append(checks.err(c, f"{c.name} was called twice; call it once"))
                metas[c.name] = c
        errors += checks.session_errors(tools, self.registry, view)
        if not errors:  # "which functions go together" only makes sense once each call is valid
            errors = checks.shape_errors(tools, metas, self.registry, view)
        if errors:
            return None, errors
        return self._build(tools, metas, reply, view, hits), []

    # ---- building the Plan ------------------------------------------------------------------------
    def _build(self, tools: list[Call], metas: dict[str, Call], reply, view: SessionView, hits) -> Plan:
        steps = [ToolCall(tool=c.name, args=(a := _clean_args(c.parsed)), why=describe_call(c.name, a))
                 for c in tools]
        explain = metas["explain_plan"].parsed if "explain_plan" in metas else None
        text = explain.explanation if explain else _text(reply)
        base = {"planner": self.name, "explanation": text}
        if "history" in metas:
            move = HistoryMove(**metas["history"].parsed.model_dump())
            return Plan(kind="history", history=move, **{**base, "explanation": text or _history_text(move)})
        if "ask_clarification" in metas:
            q = metas["ask_clarification"].parsed
            return Plan(kind="clarify", clarification=Clarification(question=q.question, options=q.options),
                        **{**base, "explanation": q.question})
        if "answer_question" in metas:
            topic = metas["answer_question"].parsed.topic
            steps = checks.answer_steps(topic, steps, view, self.registry)
            return Plan(kind="answer", steps=steps, question=topic,
                        **{**base, "explanation": text or f"Answering the {topic} question."})
        from bandmate.agent.offline import _analyzed_first, _separate_first

        steps = _analyzed_first(_separate_first(steps, view), view)
        expected, terms = checks.expected_changes(explain, steps, hits, self.kb.lexicon)
        text = text or "; ".join(s.why for s in steps)
        return Plan(kind="edit", steps=steps, expected=expected, terms=terms, **{**base, "explanation": text})


# ---- helpers ----------------------------------------------------------------------------------------
def _to_langchain(messages: list[dict[str, str]]) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage}
    return [kinds[m["role"]](content=m["content"]) for m in messages]


def _with_ids(reply, attempt_no: int):
    """Give every call an id (some servers and fakes omit them; tool messages must answer an id)."""
    calls = list(getattr(reply, "tool_calls", None) or [])
    bad = list(getattr(reply, "invalid_tool_calls", None) or [])
    if all(c.get("id") for c in [*calls, *bad]):
        return reply
    fixed = [{**c, "id": c.get("id") or f"call_{attempt_no}_{i}"} for i, c in enumerate(calls)]
    fixed_bad = [{**c, "id": c.get("id") or f"call_{attempt_no}_x{i}"} for i, c in enumerate(bad)]
    return reply.model_copy(update={"tool_calls": fixed, "invalid_tool_calls": fixed_bad})


def _feedback(calls: list[Call], errors: list[dict]) -> list[Any]:
    """One tool message per call (the API wants every call answered) and the full JSON error list."""
    from langchain_core.messages import HumanMessage, ToolMessage

    out = []
    for c in calls:
        mine = [e["error"] for e in errors if e.get("call_id") == c.id]
        body = {"ok": False, "errors": mine} if mine else {
            "ok": True, "note": "valid, but the plan was not accepted: include this call again"}
        out.append(ToolMessage(content=json.dumps(body, ensure_ascii=False), tool_call_id=c.id, name=c.name))
    out.append(HumanMessage(content="Your function calls were not accepted. Errors (JSON):\n"
                            + json.dumps(errors, ensure_ascii=False, indent=1)
                            + "\nSend the complete corrected set of calls again (all of them, not only the "
                              "fixed ones)."))
    return out


def _clean_args(parsed: BaseModel) -> dict[str, Any]:
    """Arguments the model set, minus explicit nulls that only restate a None default."""
    args = parsed.model_dump(mode="json", exclude_unset=True)
    fields = type(parsed).model_fields
    return {k: v for k, v in args.items() if not (v is None and fields[k].default is None)}


def _text(reply) -> str:
    content = getattr(reply, "content", "")
    return content.strip() if isinstance(content, str) else ""


def _history_text(move: HistoryMove) -> str:
    if move.action == "checkout":
        return f"Returning to version {move.version}."
    return f"{'Going back' if move.action == 'undo' else 'Re-applying'} {move.steps} step(s)."


def _short(err: object, limit: int = 300) -> str:
    s = " ".join(str(err).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"

