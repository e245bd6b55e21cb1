"""The Ray executor on a local Ray instance the test starts: two cases through one actor."""

from __future__ import annotations

from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="ray is not installed (optional extra: pip install 'bandmate[ray]')")

DATA = Path(__file__).parent / "data"


@pytest.fixture
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def test_two_cases_through_ray(local_ray, kb_template, tiny_cases):
    from bandmate.eval.runner import EvalConfig, run_cases

    cases = [c for c in tiny_cases if c.id in ("tiny-mix-quieter", "tiny-broken-context")]
    seen = []
    records = run_cases(cases, EvalConfig(executor="ray", workers=1, kb_template=str(kb_template)),
                        on_result=seen.append)
    assert [r["id"] for r in records] == ["tiny-mix-quieter", "tiny-broken-context"] and len(seen) == 2
    quieter, broken = records
    assert quieter["crash"] is None and quieter["kind"] == "edit"
    assert quieter["measured"]["preserve_measures"][1] == {"measure": "stem_count", "before": 0.0, "after": 0.0,
                                                          "ok": True, "error": None}
    assert "tempo_bpm" in broken["crash"] and not broken["passed"]
    assert ray.is_initialized()  # the executor leaves a Ray it did not start running
