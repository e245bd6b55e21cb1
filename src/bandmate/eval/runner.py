"""Running cases end to end: build the session, replay history, plan, execute, measure, score.

Each worker (the calling process for ``workers=1``, otherwise one spawned process per worker, or one Ray
actor per worker with ``executor="ray"``) builds its store, knowledge base and Agent once and keeps a
context cache, then runs cases one by one through ``Agent.turn`` — the same call every surface uses.
Cases are sorted by context and handed out in small chunks, so cases sharing a context mostly land on
the same worker and reuse its generated music. A case that raises is recorded as crashed with its error;
a worker process that dies takes only its chunk down (those cases are retried once, one by one).

Knowledge base: indexing the lexicon embeds thousands of sentences, so it is done once into a template
directory (``<BANDMATE_HOME>/cache/eval-kb``, reused across runs while the lexicon is unchanged) and
each worker opens a private copy of it (chromadb directories are not shared between processes).
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from bandmate.eval.schema import Case

OnResult = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class EvalConfig:
    planner: Literal["offline", "llm"] = "offline"
    workers: int = 1
    executor: Literal["local", "ray"] = "local"
    address: str | None = None  # Ray cluster address ('auto', 'ray://host:10001'); None: local / already started
    kb_template: str | None = None  # a built knowledge-base home to copy; None: built or reused under the cache
    work_root: str | None = None  # where worker homes go (default: a temporary directory)
    threads_per_worker: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> EvalConfig:
        return cls(**json.loads(text))


# ---- the knowledge-base template ----------------------------------------------------------------
def kb_template_home(path: str | Path | None = None) -> Path:
    """A home whose ``knowledge/`` holds the indexed lexicon (built now if missing, re-synced if stale)."""
    from bandmate.memory.knowledge import KnowledgeBase
    from bandmate.memory.store import default_home

    os.environ.setdefault("TQDM_DISABLE", "1")  # no model-loading progress bars in the eval's output
    home = Path(path) if path else default_home() / "cache" / "eval-kb"
    if (home / "knowledge").is_dir():
        KnowledgeBase(home)  # re-indexes only when the lexicon changed since it was built
        return home
    home.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".eval-kb-", dir=home.parent))
    KnowledgeBase(tmp)
    try:
        tmp.rename(home)
    except OSError:  # another run built it meanwhile: use theirs
        shutil.rmtree(tmp, ignore_errors=True)
    return home


# ---- one worker ---------------------------------------------------------------------------------
@dataclass
class Worker:
    """What a worker builds once: a private home with a store, the Agent and the context cache."""

    config: EvalConfig
    home: Path
    agent: Any
    builder: Any

    @classmethod
    def start(cls, config: EvalConfig) -> Worker:
        os.environ.setdefault("TQDM_DISABLE", "1")  # model-loading progress bars from every worker are noise
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if config.threads_per_worker:
            _limit_threads(config.threads_per_worker)
        from bandmate.agent.factory import build_agent
        from bandmate.eval.context import ContextBuilder
        from bandmate.memory.knowledge import KnowledgeBase
        from bandmate.memory.store import Store

        root = Path(config.work_root) if config.work_root else None
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix=f"worker-{os.getpid()}-", dir=root))
        template = Path(config.kb_template) / "knowledge" if config.kb_template else None
        if template is not None and template.is_dir():  # absent on another Ray node: index afresh there
            shutil.copytree(template, home / "knowledge")
        store = Store(home)
        agent = build_agent(store, planner=config.planner, kb=KnowledgeBase(home))
        builder = ContextBuilder(store, agent.registry, agent.settings, agent.backends)
        return cls(config, home, agent, builder)

    def close(self) -> None:
        """Remove this worker's home, unless the caller asked to keep the sessions (``work_root``)."""
        if self.config.work_root is None:
            shutil.rmtree(self.home, ignore_errors=True)


def _limit_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, str(n))
    import torch

    torch.set_num_threads(n)


@functools.lru_cache(maxsize=1)
def _process_worker(config_json: str) -> Worker:
    """This process's worker, built on its first chunk and kept for the life of the process."""
    return Worker.start(EvalConfig.from_json(config_json))


def run_chunk(config_json: str, chunk: Sequence[tuple[int, Case]]) -> list[dict[str, Any]]:
    """Run a chunk of (index, case) in this process's worker (the pool's task function)."""
    worker = _process_worker(config_json)
    return [{**run_case(case, worker), "index": i} for i, case in chunk]


# ---- one case -----------------------------------------------------------------------------------
def run_case(case: Case, worker: Worker) -> dict[str, Any]:
    """Run and score one case; any exception becomes a crashed record, never an error of the run."""
    from bandmate.eval.scoring import score_case
    from bandmate.eval.trust import finish

    t0 = time.perf_counter()
    rec = base_record(case, worker.config.planner)
    try:
        _run(case, worker, rec)
    except Exception as err:  # noqa: BLE001 — a crashing case is a result, not the end of the run
        rec["crash"] = f"{type(err).__name__}: {' '.join(str(err).split())}"
        rec["traceback"] = traceback.format_exc(limit=-6)
    plan = rec.pop("_plan", None)
    score = score_case(case, plan=plan, observation=rec["measured"], message=rec["message"] or "",
                       exec_error=rec["exec_error"], crash=rec["crash"])
    rec.update(passed=score.passed, failures=score.failures, checks=score.checks)
    rec.update(trust=finish(rec.pop("_trust", None), rec), case_s=round(time.perf_counter() - t0, 4),
               worker=os.getpid())
    return rec


def base_record(case: Case, planner: str) -> dict[str, Any]:
    return {"id": case.id, "category": case.category, "planner": planner, "request": case.request,
            "history": [], "context": case.context.model_dump() if case.context else None,
            "passed": False, "failures": [], "crash": None, "checks": {},
            "clarify_expected": case.expect.clarify, "clarified": False, "kind": None, "tools": [],
            "targets": [], "plan": None, "explanation": None, "message": None, "exec_error": None,
            "session": None, "steps": [], "agent_measured": [], "measured": None, "adjusted": False, "version_before": None,
            "version_after": None, "context_s": None, "plan_s": None, "exec_s": None, "trust": None}


def _run(case: Case, worker: Worker, rec: dict[str, Any]) -> None:
    from bandmate.eval.measure import Probe, observe
    from bandmate.eval.scoring import plan_targets
    from bandmate.eval.trust import turn_facts
    from bandmate.memory.session import Session

    agent, store = worker.agent, worker.builder.store
    agent.user = f"eval:{case.id}"  # corrections a case teaches stay with that case
    t0 = time.perf_counter()
    session = worker.builder.session(case.context, name=case.id)
    rec["context_s"] = round(time.perf_counter() - t0, 4)
    for earlier in case.history:
        res = agent.turn(earlier, session, store=store)
        session = Session(store, res.session_id) if res.session_id else session
        rec["history"].append({"request": earlier, "kind": res.plan.kind, "tools": res.plan.tools(),
                               "message": res.message})
    before = session.head.id if session is not None else None
    res = agent.turn(case.request, session, store=store)
    rec["session"] = res.session_id
    ex = res.execution
    rec["_plan"] = res.plan
    rec.update(kind=res.plan.kind, clarified=res.plan.kind == "clarify", tools=res.plan.tools(),
               targets=plan_targets(res.plan), plan=res.plan.model_dump(mode="json"),
               explanation=res.plan.explanation, message=res.message, exec_error=ex.error if ex else None,
               steps=[_step(o) for o in ex.outcomes] if ex else [],
               agent_measured=[m.to_json() for m in ex.measured] if ex else [], adjusted=res.adjusted,
               version_before=before, version_after=res.version_after, plan_s=round(res.plan_s, 4),
               exec_s=round(res.exec_s, 4))
    if session is None and res.session_id:  # a new chat: the created session has nothing "before"
        session = Session(store, res.session_id)
        before = 1
    if res.redone_from is not None:  # a correction replaces the turn it corrects: measured from before that turn
        before = res.redone_from
    if session is not None:
        rec["measured"] = observe(case, session, before, session.head.id)
        rec["_trust"] = turn_facts(case, Probe.of(session, before, session.head.id), rec)


def _step(outcome) -> dict[str, Any]:
    return {"tool": outcome.tool, "args": outcome.args.model_dump(mode="json", exclude_none=True),
            "version": outcome.version.id if outcome.version else None, "seconds": round(outcome.seconds, 4)}


def crash_record(case: Case, planner: str, why: str) -> dict[str, Any]:
    """The record of a case whose worker died before it could report."""
    from bandmate.eval.scoring import score_case
    from bandmate.eval.trust import finish

    rec = base_record(case, planner)
    rec["crash"] = why
    score = score_case(case, plan=None, crash=why)
    rec.update(passed=False, failures=score.failures, checks=score.checks)
    rec["trust"] = finish(None, rec)
    return rec


# ---- many cases ---------------------------------------------------------------------------------
def chunks_of(cases: Sequence[Case], workers: int) -> list[list[tuple[int, Case]]]:
    """Cases sorted by context (shared contexts together) in chunks small enough to balance the workers."""
    order = sorted(range(len(cases)), key=lambda i: (cases[i].context.cache_key() if cases[i].context else "", i))
    size = max(1, min(8, math.ceil(len(cases) / max(1, workers * 4))))
    indexed = [(i, cases[i]) for i in order]
    return [indexed[a:a + size] for a in range(0, len(indexed), size)]


def run_cases(cases: Sequence[Case], config: EvalConfig, on_result: OnResult | None = None) -> list[dict[str, Any]]:
    """Every case's record, in the order given; ``on_result`` sees each as it finishes."""
    if config.kb_template is None:
        config = EvalConfig(**{**asdict(config), "kb_template": str(kb_template_home())})
    if config.executor == "local" and config.workers > 1 and config.threads_per_worker is None:
        config = EvalConfig(**{**asdict(config), "threads_per_worker": max(1, (os.cpu_count() or 1) // config.workers)})
    if config.executor == "ray":
        from bandmate.eval.ray_executor import run_ray

        stream: Iterator[dict[str, Any]] = run_ray(cases, config)
    elif config.workers <= 1:
        stream = _run_inline(cases, config)
    else:
        stream = _run_pool(cases, config)
    records: list[dict[str, Any]] = [{}] * len(cases)
    for rec in stream:
        records[rec["index"]] = rec
        if on_result is not None:
            on_result(rec)
    return records


def _run_inline(cases: Sequence[Case], config: EvalConfig) -> Iterator[dict[str, Any]]:
    worker = Worker.start(config)
    try:
        for i, case in enumerate(cases):
            yield {**run_case(case, worker), "index": i}
    finally:
        worker.close()


def _run_pool(cases: Sequence[Case], config: EvalConfig) -> Iterator[dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    own_root = config.work_root is None  # a root we made is removed at the end; a given one is kept
    root = Path(config.work_root) if config.work_root else Path(tempfile.mkdtemp(prefix="bandmate-eval-"))
    config = EvalConfig(**{**asdict(config), "work_root": str(root)})
    queue, tries = chunks_of(cases, config.workers), 0
    try:
        while queue:
            tries += 1
            broken: list[tuple[int, Case]] = []
            with ProcessPoolExecutor(max_workers=min(config.workers, len(queue)),
                                     mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(run_chunk, config.to_json(), chunk): chunk for chunk in queue}
                for fut in as_completed(futures):
                    try:
                        yield from fut.result()
                    except BrokenProcessPool:
                        broken += futures[fut]
            if broken and tries >= 2:
                for i, case in broken:
                    yield {**crash_record(case, config.planner, "the worker process died"), "index": i}
                broken = []
            queue = [[item] for item in broken]  # retried one case per task, so the culprit is isolated
    finally:
        if own_root:
            shutil.rmtree(root, ignore_errors=True)
