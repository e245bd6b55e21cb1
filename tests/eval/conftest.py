"""Eval fixtures: the knowledge-base template is indexed once per test run and copied where needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def kb_template(tmp_path_factory) -> Path:
    """A home whose knowledge/ holds the indexed lexicon (what `bandmate eval` keeps under its cache)."""
    from bandmate.eval.runner import kb_template_home

    return kb_template_home(tmp_path_factory.mktemp("eval-kb") / "kb")


@pytest.fixture
def eval_cache(kb_template, tmp_path) -> Path:
    """Put the template where `bandmate eval` looks for it under this test's BANDMATE_HOME."""
    target = tmp_path / "home" / "cache" / "eval-kb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(kb_template, target)
    return target


@pytest.fixture
def tiny_cases():
    from bandmate.eval.schema import load_cases

    return load_cases([DATA / "tiny.yaml"])
