"""Benchmarks: each module is runnable as ``python -m benchmarks.bench_x`` and exposes ``run(quick=False)``."""
