"""`bandmate bench`: every bench_*.py module's rows in one report, a failing module contained."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.core.errors import BandmateError
from bandmate.eval.bench import markdown, run_bench


@pytest.fixture
def bench_dir(tmp_path):
    d = tmp_path / "benchmarks"
    d.mkdir()
    (d / "__init__.py").write_text("")
    (d / "bench_square.py").write_text(
        "def run(quick=False):\n"
        "    n = 3 if quick else 5\n"
        "    return [{'n': i, 'square': float(i * i)} for i in range(n)]\n")
    (d / "bench_broken.py").write_text("def run(quick=False):\n    raise RuntimeError('no soundfont here')\n")
    return d


def test_rows_from_each_module_and_the_machine(bench_dir):
    result = run_bench(quick=True, directory=bench_dir)
    square, broken = result["benchmarks"]["bench_square"], result["benchmarks"]["bench_broken"]
    assert [r["square"] for r in square["rows"]] == [0.0, 1.0, 4.0] and square["error"] is None
    assert broken["rows"] == [] and "RuntimeError: no soundfont here" in broken["error"]
    m = result["machine"]
    assert m["cores"] >= 1 and m["python"].count(".") == 2 and m["numpy"] and m["cpu"]
    text = markdown(result)
    assert "| bench_square | 3 |" in text and "| n | square |" in text and "| cpu |" in text
    assert "| bench_broken | 0 |" in text


def test_full_run_is_longer_than_quick(bench_dir):
    result = run_bench(quick=False, directory=bench_dir, only=["square"])
    assert list(result["benchmarks"]) == ["bench_square"] and len(result["benchmarks"]["bench_square"]["rows"]) == 5


def test_cli_writes_markdown_and_json(bench_dir, tmp_path):
    out = CliRunner().invoke(build_app(), ["bench", "--quick", "--dir", str(bench_dir), "--only", "square",
                                           "--out", str(tmp_path / "o"), "--json"])
    assert out.exit_code == 0, out.output
    saved = json.loads((tmp_path / "o" / "bench.json").read_text())
    assert saved["quick"] is True and len(saved["benchmarks"]["bench_square"]["rows"]) == 3
    assert "| bench_square | 3 |" in (tmp_path / "o" / "bench.md").read_text()


def test_unknown_benchmark_is_named(bench_dir):
    with pytest.raises(BandmateError, match=r"unknown benchmark\(s\) \['bench_nope'\]; available: bench_broken"):
        run_bench(directory=bench_dir, only=["nope"])
