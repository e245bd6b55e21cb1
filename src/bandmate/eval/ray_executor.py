"""Running eval cases on a Ray cluster (``bandmate eval --executor ray --address ADDR``).

One actor per worker (1 CPU each; ``workers=0``: one per CPU of the cluster) builds its Agent once, like a local worker process, and runs chunks
of cases. ``address`` is passed to ``ray.init`` ('auto', 'ray://head:10001', …); with no address, an
already started Ray is used, or a local one is started for the run. Every node needs Bandmate installed
(``pip install 'bandmate[ray]'``). An actor that dies takes only its chunk down: those cases are
recorded as crashed and a fresh actor takes its place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from bandmate.core.errors import BackendUnavailable
from bandmate.eval.runner import EvalConfig, Worker, chunks_of, crash_record, run_case
from bandmate.eval.schema import Case


class CaseActor:
    """The body of a Ray actor: one worker, many chunks."""

    def __init__(self, config_json: str) -> None:
        self.worker = Worker.start(EvalConfig.from_json(config_json))

    def run(self, chunk: Sequence[tuple[int, Case]]) -> list[dict[str, Any]]:
        return [{**run_case(case, self.worker), "index": i} for i, case in chunk]

    def close(self) -> None:
        self.worker.close()


def _ray():
    try:
        import ray
    except ImportError as err:
        raise BackendUnavailable(f"the Ray executor needs ray ({err}); install it with "
                                 "pip install 'bandmate[ray]', or use --executor local") from None
    return ray


def run_ray(cases: Sequence[Case], config: EvalConfig) -> Iterator[dict[str, Any]]:
    """Each case's record (with its ``index``) as the actors finish them."""
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=config.address, include_dashboard=False, log_to_driver=False)
    try:
        yield from _drive(ray, cases, config)
    finally:
        if started:
            ray.shutdown()


def _drive(ray, cases: Sequence[Case], config: EvalConfig) -> Iterator[dict[str, Any]]:
    from ray.exceptions import RayActorError, RayTaskError, WorkerCrashedError

    remote = ray.remote(num_cpus=1, max_restarts=0)(CaseActor)
    n = config.workers if config.workers >= 1 else max(1, int(ray.cluster_resources().get("CPU", 1)))
    queue = chunks_of(cases, n)
    actors = [remote.remote(config.to_json()) for _ in range(min(n, len(queue)))]
    pending: dict[Any, tuple[Any, list]] = {}
    for actor in actors:
        if queue:
            chunk = queue.pop(0)
            pending[actor.run.remote(chunk)] = (actor, chunk)
    try:
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            actor, chunk = pending.pop(ref)
            try:
                yield from ray.get(ref)
            except (RayActorError, WorkerCrashedError) as err:
                why = f"the Ray worker died: {' '.join(str(err).split())[:300]}"
                for i, case in chunk:
                    yield {**crash_record(case, config.planner, why), "index": i}
                actors.remove(actor)
                actor = remote.remote(config.to_json())
                actors.append(actor)
            except RayTaskError as err:  # run_case catches case errors; this is the chunk plumbing failing
                for i, case in chunk:
                    yield {**crash_record(case, config.planner, f"Ray task failed: {err.cause!r}"), "index": i}
            if queue:
                chunk = queue.pop(0)
                pending[actor.run.remote(chunk)] = (actor, chunk)
    finally:
        for actor in actors:
            try:
                ray.get(actor.close.remote(), timeout=30)
            except Exception:  # noqa: BLE001 — a dead actor has nothing left to clean
                pass
            ray.kill(actor)
