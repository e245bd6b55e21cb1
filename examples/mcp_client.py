"""An MCP client using Bandmate: load a file, analyse its chords, make the drums punchier, save the new mix.

    BANDMATE_MCP_ROOTS=$PWD/music python examples/mcp_client.py music/song.wav music/punchier.wav
    python examples/mcp_client.py --http http://127.0.0.1:8000/mcp --token "$BANDMATE_MCP_TOKEN" IN OUT

Over stdio it starts ``bandmate mcp`` itself (the files must lie under BANDMATE_MCP_ROOTS); with
``--http`` it talks to a running ``bandmate mcp --http`` server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
from pathlib import Path


async def edit(client, audio_path: str, out_path: str, request: str = "make the drums punchier") -> dict:
    """The whole edit through one connected MCP ``ClientSession``; returns what each step said."""
    made = await client.call_tool("session_new", {"audio_path": audio_path})
    if made.is_error:
        raise RuntimeError(made.content[0].text)
    sid = made.structured_content["id"]
    chords = await client.call_tool("analyze", {"session_id": sid, "what": ["tempo", "beats", "chords"]})
    if chords.is_error:
        raise RuntimeError(chords.content[0].text)
    turn = await client.call_tool("interpret", {"session_id": sid, "request": request})
    if turn.is_error:
        raise RuntimeError(turn.content[0].text)
    uri = turn.structured_content.get("audio")
    if uri is None:
        raise RuntimeError(f"the request made no new version: {turn.structured_content.get('message')}")
    audio = await client.read_resource(uri)
    Path(out_path).write_bytes(base64.b64decode(audio.contents[0].blob))
    return {"session_id": sid, "chords": chords.structured_content["result"], "turn": turn.structured_content,
            "uri": uri, "out": out_path}


async def over_stdio(audio_path: str, out_path: str, env: dict[str, str] | None = None) -> dict:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "bandmate.cli", "mcp"],
                                   env=env or dict(os.environ))
    async with stdio_client(params, errlog=sys.stderr) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        return await edit(client, audio_path, out_path)


async def over_http(url: str, token: str | None, audio_path: str, out_path: str) -> dict:
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # audio resources are megabytes: raise the SDK's 1 MB default for one server-sent event
    async with httpx2.AsyncClient(headers=headers, timeout=300) as http, \
            streamable_http_client(url, http_client=http, max_sse_event_size=96 * 1024**2) as streams, \
            ClientSession(streams[0], streams[1]) as client:
        await client.initialize()
        return await edit(client, audio_path, out_path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("audio")
    ap.add_argument("out")
    ap.add_argument("--http", help="URL of a running `bandmate mcp --http` server")
    ap.add_argument("--token", default=os.environ.get("BANDMATE_MCP_TOKEN"))
    a = ap.parse_args()
    audio, out = str(Path(a.audio).resolve()), str(Path(a.out).resolve())
    done = asyncio.run(over_http(a.http, a.token, audio, out) if a.http else over_stdio(audio, out))
    print(done["turn"]["message"])
    print(f"chords: {done['chords'].get('summary', '')}\nnew mix: {done['uri']} -> {done['out']}")


if __name__ == "__main__":
    main()
