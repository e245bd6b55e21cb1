"""A LangChain agent using Bandmate's tools, bound to one session.

    OPENAI_BASE_URL=... OPENAI_API_KEY=... BANDMATE_LLM_MODEL=... \\
        python examples/langchain_agent.py song.wav "what are the chords? then add a little reverb" out.wav

``bandmate.tools.langchain_tools(session)`` gives one ``StructuredTool`` per Bandmate tool (its own
argument model as the schema); a tool error comes back to the model as text, never as a crash.
"""

from __future__ import annotations

import os
import sys

import bandmate
from bandmate import tools

MAX_ROUNDS = 6


def run(chat_model, session, request: str) -> str:
    from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

    lc = {t.name: t for t in tools.langchain_tools(session)}
    model = chat_model.bind_tools(list(lc.values()))
    messages = [SystemMessage("You edit music with the given tools; the session is loaded."), HumanMessage(request)]
    for _ in range(MAX_ROUNDS):
        reply = model.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return str(reply.content)
        for call in reply.tool_calls:
            tool = lc.get(call["name"])
            text = tool.invoke(call["args"]) if tool else f"unknown tool {call['name']!r}; valid: {', '.join(lc)}"
            messages.append(ToolMessage(content=str(text), tool_call_id=call["id"]))
    return "stopped after too many rounds"


def main() -> None:
    from langchain_openai import ChatOpenAI

    audio, request, out = sys.argv[1:4]
    store = bandmate.Store()
    session = bandmate.Session(store, store.create_session(mix=bandmate.load(audio)))
    chat = ChatOpenAI(model=os.environ["BANDMATE_LLM_MODEL"], base_url=os.environ.get("OPENAI_BASE_URL"),
                      api_key=os.environ.get("OPENAI_API_KEY", "x"), temperature=0)
    print(run(chat, session, request))
    bandmate.save(session.mix(), out)


if __name__ == "__main__":
    main()
