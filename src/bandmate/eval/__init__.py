"""The interpretation-gap evaluation harness: case files, runs, scores, reports, benchmarks.

Modules (import them directly; this package imports nothing, so the CLI stays quick to start):
``schema`` (the case format and ``load_cases``), ``context`` (starting sessions, generated or uploaded
from a recording, cached), ``runner`` (``run_cases`` with local processes, ``ray_executor`` for a Ray
cluster), ``measure`` (what changed on the audio), ``scoring`` (per case and aggregate), ``trust``
(the counts that must be 0), ``report`` (results.jsonl, summary.json, report.md), ``harness``
(``evaluate``: one whole run), ``compare`` (two runs), ``bench`` (the benchmark report),
``bandmate.surfaces.cli_eval`` (``bandmate eval``, ``compare``, ``bench``).
"""
