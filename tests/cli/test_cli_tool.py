"""`bandmate tool ...`: list, schema, run, and how bad input is reported."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.tools import default_registry


def cli(*args: str):
    return CliRunner().invoke(build_app(), list(args))


def test_tool_list_shows_every_tool_with_its_first_docstring_line():
    res = cli("tool", "list")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert len(lines) == len(default_registry())
    gain = next(line for line in lines if line.startswith("gain "))
    assert default_registry()["gain"].summary in gain
    rows = json.loads(cli("tool", "list", "--json").stdout)
    assert [r["name"] for r in rows] == default_registry().names()


def test_tool_schema_for_one_tool_in_both_formats():
    oa = json.loads(cli("tool", "schema", "gain").stdout)
    assert oa["function"]["parameters"]["properties"]["gain_db"]["maximum"] == 24
    mcp = json.loads(cli("tool", "schema", "gain", "--format", "mcp").stdout)
    assert mcp["name"] == "gain" and mcp["inputSchema"]["required"] == ["session_id", "gain_db"]


def test_tool_run_on_stems_prints_json_and_commits_one_version(make_session, band_stems, store):
    session = make_session(stems=band_stems)
    res = cli("tool", "run", "gain", "--session", session.id, "--args", '{"target": "bass", "gain_db": -6}')
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["session_id"], out["version"], out["head"], out["changed"]) == (session.id, 2, 2, True)
    assert res.stderr.strip() == f"session {session.id} v2"
    bass = session.stem("bass").samples
    assert np.max(np.abs(bass - band_stems["bass"].samples * 10 ** (-6 / 20))) < 1e-5
    assert np.array_equal(session.stem("keys").samples, session.stem("keys", 1).samples)


@pytest.mark.parametrize("argv, match", [
    (["tool", "run", "louder", "--session", "{sid}", "--args", '{{"gain_db": 3}}'], "unknown tool 'louder'; valid tools:"),
    (["tool", "run", "gain", "--session", "{sid}", "--args", '{{"gain_db": 3,,}}'],
     "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 15 (char 14): "
     "'{\"gain_db\": 3,' >>> ',}'"),
    (["tool", "run", "gain", "--session", "{sid}", "--args", '[3]'], "must be a JSON object"),
    (["tool", "run", "gain", "--session", "{sid}", "--args", '{{"gain_db": 99}}'], "gain_db: Input should be less than or equal to 24"),
    (["tool", "run", "gain", "--session", "{sid}", "--args", '{{"gain_db": 1, "gian": 2}}'], "gian: Extra inputs"),
    (["tool", "run", "gain", "--session", "{sid}", "--args", '{{}}'], "gain_db: Field required"),
    (["tool", "run", "gain", "--session", "nope", "--args", '{{"gain_db": 3}}'], "no session 'nope'"),
    (["tool", "run", "gain", "--session", "{sid}", "--args", '{{"gain_db": 3, "target": "flute"}}'], "flute"),
    (["tool", "run", "gain", "--args", '{{"gain_db": 3}}'], "works on an existing session"),
    (["tool", "schema", "louder"], "unknown tool 'louder'"),
    (["session", "new", "--audio", "{d}/missing.wav"], "does not exist"),
    (["session", "new", "--audio", "{d}/notes.txt"], "unsupported audio type '.txt'"),
    (["session", "new", "--audio", "{d}/fake.wav"], "cannot read fake.wav as audio"),
])
def test_bad_input_gives_one_line_and_leaves_sessions_alone(make_session, band_stems, store, tmp_path, argv, match):
    session = make_session(stems=band_stems)
    (tmp_path / "notes.txt").write_text("not audio")
    (tmp_path / "fake.wav").write_text("not audio either")
    res = cli(*[a.format(sid=session.id, d=tmp_path) for a in argv])
    assert res.exit_code == 1
    assert len(res.stderr.splitlines()) == 1 and res.stderr.startswith("error: ") and match in res.stderr
    assert "Traceback" not in res.output and res.stdout == ""
    assert [(s.id, s.head, s.versions) for s in store.list_sessions()] == [(session.id, 1, 1)]


def test_command_modules_plug_in(tmp_path, monkeypatch):
    (tmp_path / "bm_extra_cmds.py").write_text(
        "import typer\n"
        "def register(app):\n"
        "    @app.command('hello')\n"
        "    def hello(name: str):\n"
        "        'Say hello.'\n"
        "        typer.echo(f'hello {name}')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    from bandmate.surfaces import cli_session

    app = build_app((cli_session, importlib.import_module("bm_extra_cmds")))
    res = CliRunner().invoke(app, ["hello", "bass"])
    assert (res.exit_code, res.stdout) == (0, "hello bass\n")
    assert "session" in CliRunner().invoke(app, ["--help"]).stdout


def test_bugs_keep_their_traceback(monkeypatch):
    import bandmate.surfaces.cli_session as cs

    def broken():
        raise KeyError("a bug")

    monkeypatch.setattr(cs, "open_store", broken)
    res = cli("session", "list")
    assert res.exit_code == 1 and isinstance(res.exception, KeyError)
