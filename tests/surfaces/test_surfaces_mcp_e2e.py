"""The example MCP client end to end over stdio and HTTP: load, analyse, interpret, read the mix back."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bandmate.core.audio_io import save
from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mcp_client.py"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def example():
    spec = importlib.util.spec_from_file_location("mcp_client_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def song(store, tmp_path) -> Path:
    """A generated 4-bar band (with drums) written as a plain file under the allowed root."""
    out = run_tool(default_registry(), "generate", {"prompt": "funk groove with drums and bass", "bars": 4,
                                                    "tempo_bpm": 100}, store=store, session_id=None)
    root = tmp_path / "music"
    return save(Session(store, out.version.session_id).mix(), root / "song.wav")


def check(done, song: Path, store):
    turn = done["turn"]
    assert turn["version_after"] > turn["version_before"] and turn["steps"], turn["message"]
    assert any(s["tool"] == "compressor" or "drums" in str(s["args"]) for s in turn["steps"])
    got, sr = sf.read(done["out"], always_2d=True)
    stored = Session(store, done["session_id"]).mix(turn["version_after"])
    assert sr == stored.sample_rate and got.shape[0] == stored.frames
    assert np.abs(got.T - stored.samples).max() < 1e-6  # the resource is the new version's mix, exactly
    before, _ = sf.read(str(song), always_2d=True)
    assert np.abs(got - before[: got.shape[0]]).max() > 1e-3  # and it differs from the input


@pytest.mark.timeout(300)
def test_example_over_stdio(song, store, tmp_path):
    env = {**os.environ, "BANDMATE_HOME": str(store.home), "BANDMATE_MCP_ROOTS": str(song.parent),
           "PYTHONPATH": SRC, "HF_HUB_OFFLINE": "1"}
    out = song.parent / "punchier.wav"
    done = asyncio.run(example().over_stdio(str(song), str(out), env=env))
    check(done, song, store)


@pytest.mark.timeout(300)
def test_example_over_http_with_token(song, store, tmp_path):
    from http_probe import free_port, wait_for_port

    port = free_port()
    env = {**os.environ, "BANDMATE_HOME": str(store.home), "BANDMATE_MCP_ROOTS": str(song.parent),
           "PYTHONPATH": SRC, "HF_HUB_OFFLINE": "1", "BANDMATE_MCP_TOKEN": "tok-e2e"}
    proc = subprocess.Popen([sys.executable, "-m", "bandmate.cli", "mcp", "--http", f"0.0.0.0:{port}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        url = f"http://127.0.0.1:{port}/mcp"
        with pytest.raises(BaseException):  # noqa: B017 - the SDK wraps the 401 in its own exception groups
            asyncio.run(example().over_http(url, "wrong", str(song), str(song.parent / "x.wav")))
        done = asyncio.run(example().over_http(url, "tok-e2e", str(song), str(song.parent / "punchier.wav")))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    check(done, song, store)
    assert not (song.parent / "x.wav").exists()


def test_excerpt_and_flac_resources(make_session, store):
    from mcp import Client

    from bandmate.core.settings import Settings
    from bandmate.core.testsignals import sine
    from bandmate.surfaces.mcp_server import build_mcp_server

    session = make_session(mix=sine(440, 2.0, amplitude=0.5))
    server = build_mcp_server(default_registry(), Settings(home=store.home), store)
    uri = f"bandmate://session/{session.id}/version/1/mix"

    async def go():
        async with Client(server) as client:
            return (await client.read_resource(f"{uri}.flac?start_s=0.5&end_s=1.0"),
                    await client.read_resource(f"{uri}.wav"))

    flac, wav = asyncio.run(go())
    import base64

    x, sr = sf.read(io.BytesIO(base64.b64decode(flac.contents[0].blob)))
    assert sr == 44100 and len(x) == pytest.approx(0.5 * sr, abs=2)
    assert flac.contents[0].mime_type == "audio/flac" and wav.contents[0].mime_type == "audio/wav"
