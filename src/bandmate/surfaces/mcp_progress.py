"""Long tools over MCP: progress notifications while they run, and cancellation.

A long tool (``LONG_TOOLS``) runs in a worker thread; every ``HEARTBEAT_S`` the server sends a progress
notification (elapsed seconds, a message naming the tool) to a client that gave a progress token (the
SDK sends nothing otherwise). When the client cancels the request, the call's cancel flag is set: the
tool's result is then discarded and nothing is committed (``ToolCancelled``); the computation itself
finishes in the background, since tools have no interruption points.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

LONG_TOOLS = ("generate", "separate", "analyze", "transcribe", "inpaint", "continue")
HEARTBEAT_S = 1.0


async def run_with_progress(ctx: Any, name: str, fn: Callable[[threading.Event], Any]) -> Any:
    """``fn(cancel)`` in a thread, reporting progress on ``ctx`` until it returns; cancellable."""
    import anyio

    cancel = threading.Event()
    done = anyio.Event()
    box: dict[str, Any] = {}
    t0 = time.monotonic()

    async def work() -> None:
        try:
            box["value"] = await anyio.to_thread.run_sync(functools.partial(fn, cancel), abandon_on_cancel=True)
        except Exception as err:  # noqa: BLE001 - re-raised in the caller's task below
            box["error"] = err
        finally:
            done.set()

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(work)
            await _report(ctx, 0.0, f"{name} started")
            while not done.is_set():
                with anyio.move_on_after(HEARTBEAT_S):
                    await done.wait()
                if not done.is_set():
                    elapsed = time.monotonic() - t0
                    await _report(ctx, round(elapsed, 1), f"{name} running ({elapsed:.0f}s)")
    except BaseException:
        cancel.set()  # a cancelled request: whatever the thread computes is never committed
        raise
    if "error" in box:
        raise box["error"]
    await _report(ctx, round(time.monotonic() - t0, 1), f"{name} done")
    return box["value"]


async def _report(ctx: Any, progress: float, message: str) -> None:
    if ctx is None:
        return
    try:
        await ctx.report_progress(progress, None, message)
    except Exception:  # noqa: BLE001 - a client that went away must not fail the call
        pass
