"""`bandmate kb corrections|forget` through Typer's CliRunner, against the test's own BANDMATE_HOME."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.memory.knowledge import KnowledgeBase


def cli(*args: str):
    return CliRunner().invoke(build_app(), list(args))


def test_list_and_forget_corrections_by_number():
    kb = KnowledgeBase(Path(os.environ["BANDMATE_HOME"]), lexicon={})
    kb.add_correction(user="ana", word="warm", meaning="less harsh highs")
    kb.add_correction(user="bo", word="punchy", meaning="louder kick")

    listed = cli("kb", "corrections")
    assert listed.exit_code == 0, listed.output
    assert "#1  ana  'warm' = less harsh highs" in listed.stdout and "#2  bo  'punchy'" in listed.stdout
    rows = json.loads(cli("kb", "corrections", "--user", "bo", "--json").stdout)
    assert [(r["id"], r["user"], r["word"], r["meaning"]) for r in rows] == [(2, "bo", "punchy", "louder kick")]
    assert rows[0]["created_at"] > 0

    gone = cli("kb", "forget", "1")
    assert gone.exit_code == 0 and "Forgot #1: for ana, 'warm' = less harsh highs." in gone.stdout
    assert [c.id for c in kb.corrections()] == [2]
    again = cli("kb", "forget", "1")
    assert again.exit_code == 1 and "no correction #1; stored: #2" in again.output
    assert "No corrections stored for user 'ana'." in cli("kb", "corrections", "--user", "ana").stdout
