"""The studio's overhead per turn: what a turn costs through the studio beyond ``Agent.turn`` itself.

Each turn is timed twice on the same run, so the turn's own (variable) time cancels: the wall time of
the studio's path and, inside it, the time of ``Agent.turn``; the overhead is the difference.
- bridge: ``bridge.run_turn`` (+ reading the TurnResult, the untouched-stem check), the transcript
  append, publishing the head's mix and stems for the players and building the timeline;
- page: one whole Streamlit rerun that sends the request (``AppTest``: the script, the status box's
  polling, rendering the transcript and players), minus the turn. The browser's own drawing is not in it.
Wall time on a shared machine swings with its load; ``cpu_p50_ms`` (process CPU time of the run minus
that of ``Agent.turn``) is what the studio itself spends. The issue's budget is 200 ms per turn.
- open: headless Chromium opens the page until the chat box takes input (budget 3 s), on a fresh server
  and again in later tabs; skipped without chromium, chromedriver and selenium. Run: ``python -m benchmarks.bench_studio [--quick] [--json PATH]``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.table import main

COLUMNS = ["what", "n", "p50_ms", "p95_ms", "mean_ms", "cpu_p50_ms", "turn_p50_ms", "note"]
MAKE = "a dreamy lo-fi loop in F major at 80 bpm with drums, bass and keys, 4 bars"
EDITS = ["make the bass warmer", "the drums are too loud", "a bit more reverb on the keys", "make it brighter",
         "what key is this in?", "make the keys quieter", "less boomy bass", "more punch on the drums"]
BUDGET_MS = 200.0
OPEN_BUDGET_MS = 3000.0  # the page is interactive within 3 s of opening


class _Timed:
    """The agent, with the time of each ``turn`` call kept (everything else passes through)."""

    def __init__(self, agent):
        self._agent, self.last_s, self.last_cpu_s = agent, 0.0, 0.0

    def turn(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return self._agent.turn(*args, **kwargs)
        finally:
            self.last_s, self.last_cpu_s = time.perf_counter() - t0, time.process_time() - c0

    def __getattr__(self, name):
        return getattr(self._agent, name)


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _row(what: str, got: dict[str, list[float]], note: str) -> dict[str, Any]:
    ms = [t * 1000 for t in got["wall"]]
    return {"what": what, "n": len(ms), "p50_ms": _pct(ms, 0.5), "p95_ms": _pct(ms, 0.95),
            "mean_ms": statistics.fmean(ms), "cpu_p50_ms": _pct([t * 1000 for t in got["cpu"]], 0.5),
            "turn_p50_ms": _pct([t * 1000 for t in got["turn"]], 0.5), "note": note}


def bridge_overhead(home: Path, requests: list[str]) -> dict[str, list[float]]:
    from bandmate.agent.factory import build_agent
    from bandmate.memory.session import Session
    from bandmate.memory.store import Store
    from bandmate.ui import bridge, media
    from bandmate.ui.transcript import Transcripts

    store = Store(home)
    agent, transcripts, publisher = _Timed(build_agent(store)), Transcripts(home), media.Publisher(home)
    session, got = None, {"wall": [], "cpu": [], "turn": []}
    for i, request in enumerate([MAKE, *requests]):
        t0, c0 = time.perf_counter(), time.process_time()
        view = bridge.run_turn(agent, request, session, store=store)
        if view.session_id:
            session = session or Session(store, view.session_id)
            transcripts.append(view.session_id, view)
            head = session.head
            for name, key in [("mix", head.mix), *head.stems.items()]:
                publisher.track(store, key, name)
            media.timeline(head.state, media.duration_s(store, head.mix))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if view.error and i == 0:
            raise RuntimeError(f"the first turn failed, nothing to measure: {view.error_detail}")
        if i:  # the first turn also creates the session and pays for first-use caches
            got["wall"].append(wall - agent.last_s)
            got["cpu"].append(cpu - agent.last_cpu_s)
            got["turn"].append(agent.last_s)
    return got


def page_overhead(home: Path, requests: list[str]) -> dict[str, list[float]]:
    import os

    from streamlit.testing.v1 import AppTest

    from bandmate.agent.turn import Agent

    app = Path(__file__).resolve().parents[1] / "src" / "bandmate" / "ui" / "app.py"
    os.environ["BANDMATE_HOME"] = str(home)
    inner: list[tuple[float, float]] = []  # (wall, process CPU) of each Agent.turn
    bare = Agent.turn

    def timed(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return bare(self, *args, **kwargs)
        finally:
            inner.append((time.perf_counter() - t0, time.process_time() - c0))

    Agent.turn = timed
    try:
        at = AppTest.from_file(str(app), default_timeout=600)
        at.run()
        got: dict[str, list[float]] = {"wall": [], "cpu": [], "turn": []}
        for i, request in enumerate([MAKE, *requests]):
            inner.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            at.chat_input[0].set_value(request).run()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if at.exception:
                raise RuntimeError(f"the studio page raised on {request!r}: {at.exception}")
            if i:
                got["wall"].append(wall - sum(w for w, _ in inner))
                got["cpu"].append(cpu - sum(c for _, c in inner))
                got["turn"].append(sum(w for w, _ in inner))
        return got
    finally:
        Agent.turn = bare


def page_open(home: Path, opens: int = 3) -> dict[str, list[float]] | str:
    """Opening the studio in headless Chromium until the chat box takes input: a fresh server's first tab,
    then later tabs. Returns the times, or why it could not run (no browser here)."""
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    chromium, driver_bin = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return "skipped: selenium is not installed"
    if not (chromium and driver_bin):
        return "skipped: chromium / chromedriver not installed"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BANDMATE_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "bandmate.surfaces.cli", "ui", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000",
                 f"--user-data-dir={home / 'chromium-profile'}"):
        opts.add_argument(flag)
    browser = None
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 120:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.1)
        serve_s = time.perf_counter() - t0
        browser = webdriver.Chrome(service=Service(executable_path=driver_bin), options=opts)
        got: dict[str, list[float]] = {"wall": [], "cpu": [], "turn": [], "serve": [serve_s]}
        for _ in range(opens):
            browser.get("about:blank")
            t0 = time.perf_counter()
            browser.get(url)
            WebDriverWait(browser, 60, poll_frequency=0.02).until(
                lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']").is_enabled())
            got["wall"].append(time.perf_counter() - t0)
        return got
    finally:
        if browser is not None:
            browser.quit()
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            proc.kill()


def run(quick: bool = False) -> list[dict[str, Any]]:
    requests = EDITS[:3] if quick else EDITS
    root = Path(tempfile.mkdtemp(prefix="bandmate-bench-studio-"))
    rows = [_row("studio bridge (per turn)", bridge_overhead(root / "bridge", requests),
                 "run_turn + TurnView + transcript + publish mix/stems + timeline, minus Agent.turn")]
    try:
        page = page_overhead(root / "page", requests)
    except ImportError as err:  # streamlit absent: the bridge row still stands
        rows.append({"what": "studio page rerun (per turn)", "n": 0, "note": f"skipped: {err}"})
    else:
        p50 = _pct([t * 1000 for t in page["wall"]], 0.5)
        rows.append(_row("studio page rerun (per turn)", page,
                         f"AppTest rerun sending the request, minus Agent.turn; p50 wall "
                         f"{'within' if p50 <= BUDGET_MS else 'OVER'} the {BUDGET_MS:.0f} ms budget"))
    opened = page_open(root / "open")
    if isinstance(opened, str):
        rows.append({"what": "open the page (to the chat box)", "n": 0, "note": opened})
    else:
        ms = [t * 1000 for t in opened["wall"]]
        first, later = ms[0], ms[1:]
        rows.append({"what": "open the page: a fresh server's first tab", "n": 1, "p50_ms": first,
                     "note": f"headless Chromium, until the chat box takes input (server up in "
                             f"{opened['serve'][0]:.1f} s); budget {OPEN_BUDGET_MS / 1000:.0f} s"})
        rows.append({"what": "open the page: another tab", "n": len(later), "p50_ms": _pct(later, 0.5),
                     "p95_ms": _pct(later, 0.95), "mean_ms": statistics.fmean(later),
                     "note": "the knowledge base and models are already loading or loaded (once per server)"})
    return rows


if __name__ == "__main__":
    main(run, "Studio overhead per turn", COLUMNS)
