"""`bandmate compare OUT_A OUT_B`: per-metric deltas and flipped cases between two written runs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.core.errors import BandmateError
from bandmate.eval.compare import compare_dirs, compare_text
from bandmate.eval.report import write_run


def record(case_id: str, category: str, passed: bool, *, tools_ok: bool, plan_s: float) -> dict:
    return {"id": case_id, "category": category, "passed": passed, "failures": [] if passed else ["used ['gain']"],
            "crash": None, "clarify_expected": False, "clarified": False, "kind": "edit", "tools": ["eq"],
            "request": "warmer", "checks": {"clarify": True, "tools": tools_ok, "target": True},
            "plan_s": plan_s, "exec_s": 0.2, "case_s": 1.0,
            "measured": {"changes": [{"measure": "centroid_hz", "target": "bass", "direction": "down",
                                      "before": 200.0, "after": 190.0 if passed else 205.0,
                                      "delta": -10.0 if passed else 5.0, "ok": passed, "error": None}],
                         "changes_any": [], "preserve": [], "preserve_measures": []}}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("runs")
    a = [record("t1", "timbre", True, tools_ok=True, plan_s=0.1), record("t2", "timbre", False, tools_ok=False, plan_s=0.3),
         record("s1", "space", True, tools_ok=True, plan_s=0.2), record("s2", "space", False, tools_ok=True, plan_s=0.2)]
    b = [record("t1", "timbre", True, tools_ok=True, plan_s=0.5), record("t2", "timbre", True, tools_ok=True, plan_s=0.5),
         record("s1", "space", False, tools_ok=False, plan_s=0.5), record("s2", "space", True, tools_ok=True, plan_s=0.5)]
    write_run(tmp_path / "a", a, {"planner": "offline", "cases": 4})
    write_run(tmp_path / "b", b, {"planner": "offline", "cases": 4})
    return tmp_path / "a", tmp_path / "b"


def row(result: dict, scope: str, metric: str) -> dict:
    return next(r for r in result["rows"] if r["scope"] == scope and r["metric"] == metric)


def test_deltas_overall_and_per_category(two_runs):
    result = compare_dirs(*two_runs)
    assert row(result, "overall", "pass rate")["delta"] == pytest.approx(0.25)  # 2/4 -> 3/4
    assert row(result, "overall", "tool choice accuracy")["delta"] == pytest.approx(0.0)  # 3/4 -> 3/4
    assert row(result, "timbre", "tool choice accuracy")["delta"] == pytest.approx(0.5)
    assert row(result, "space", "pass rate")["delta"] == pytest.approx(0.0)
    assert row(result, "overall", "plan latency p50 (s)")["delta"] == pytest.approx(0.5 - 0.2)
    assert result["regressions"] == ["s1"] and result["fixes"] == ["t2", "s2"]


def test_cli_prints_the_table(two_runs):
    out = CliRunner().invoke(build_app(), ["compare", str(two_runs[0]), str(two_runs[1])])
    assert out.exit_code == 0, out.output
    assert "| overall | pass rate | 50.0% | 75.0% | +25.0 pp |" in out.output
    assert "| timbre | tool choice accuracy | 50.0% | 100.0% | +50.0 pp |" in out.output
    assert "passed in A, fail in B: 1 — s1" in out.output
    js = CliRunner().invoke(build_app(), ["compare", str(two_runs[0]), str(two_runs[1]), "--json"])
    assert json.loads(js.output)["fixes"] == ["t2", "s2"]


def test_overall_only_hides_categories(two_runs):
    text = compare_text(compare_dirs(*two_runs), overall_only=True)
    assert "| overall |" in text and "| timbre |" not in text


def test_not_a_run_folder_says_what_to_pass(two_runs, tmp_path):
    with pytest.raises(BandmateError, match=r"no summary\.json\); it holds runs \['a', 'b'\]"):
        compare_dirs(two_runs[0].parent, two_runs[1])
    out = CliRunner().invoke(build_app(), ["compare", str(tmp_path / "nothing"), str(two_runs[1])])
    assert out.exit_code == 1 and "error:" in out.output and "not an eval output folder" in out.output
