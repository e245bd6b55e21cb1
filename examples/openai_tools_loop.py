"""An OpenAI-tools loop over Bandmate's tools, against any OpenAI-compatible endpoint.

    OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_API_KEY=x BANDMATE_LLM_MODEL=qwen2.5 \\
        python examples/openai_tools_loop.py song.wav "make the bass a bit quieter" out.wav

The model sees every tool as a strict-mode function schema (``bandmate.tools.openai_tools()``); each
call it makes runs through ``bandmate.tools.call`` from its raw JSON, and a mistake goes back to it as
the tool's answer so it can correct itself.
"""

from __future__ import annotations

import json
import os
import sys

import bandmate
from bandmate import tools
from bandmate.core.errors import BandmateError

MAX_ROUNDS = 6


def run(client, model: str, session, request: str) -> str:
    messages = [{"role": "system", "content": "You edit music with the given tools. The session is already "
                                              "loaded; call tools, then say what you did."},
                {"role": "user", "content": request}]
    schemas = tools.openai_tools()
    for _ in range(MAX_ROUNDS):
        reply = client.chat.completions.create(model=model, messages=messages, tools=schemas).choices[0].message
        messages.append(reply.model_dump(exclude_none=True))
        if not reply.tool_calls:
            return reply.content or ""
        for tc in reply.tool_calls:
            try:
                answer = json.dumps(tools.call(tc.function.name, tc.function.arguments, session=session))
            except BandmateError as err:  # the model can read and fix it
                answer = f"{type(err).__name__}: {err}"
            messages.append({"role": "tool", "tool_call_id": tc.id, "content": answer})
    return "stopped after too many rounds"


def main() -> None:
    from openai import OpenAI

    audio, request, out = sys.argv[1:4]
    store = bandmate.Store()
    session = bandmate.Session(store, store.create_session(mix=bandmate.load(audio)))
    client = OpenAI(base_url=os.environ.get("OPENAI_BASE_URL"), api_key=os.environ.get("OPENAI_API_KEY", "x"))
    print(run(client, os.environ["BANDMATE_LLM_MODEL"], session, request))
    bandmate.save(session.mix(), out)
    print(f"session {session.id} v{session.head.id} -> {out}")


if __name__ == "__main__":
    main()
