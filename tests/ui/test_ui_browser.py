"""The studio in a real browser: `bandmate ui` served as a subprocess, driven by headless Chromium.

One conversation as a user has it: type a generation request, wait for the player to load the audio and
for the reply; ask for a stem edit and wait for its measured result; then open a real recording (a short
excerpt) from the sidebar and ask for an edit on it. Screenshots go to ``test-artifacts/`` (git-ignored).
The studio renders over a websocket, so every wait is for an element or a text, never for page load.
Skips cleanly when chromium, chromedriver or selenium is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (requirements.txt)")

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
REAL = REPO.parent / "shared" / "data" / "real"  # as tests/conftest.py's real_data fixture
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1440,1600")
TURN_S = 420  # the first turn also waits for the knowledge base to load (once per server)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                 reason="chromium / chromedriver not installed (scripts/install.sh installs them)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"`bandmate ui` exited with {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the studio did not answer on {url} within {timeout_s:.0f} s")


@pytest.fixture
def studio_url(tmp_path):
    port = _free_port()
    env = dict(os.environ, BANDMATE_HOME=str(tmp_path / "studio-home"),
               PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    log = (tmp_path / "ui.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "bandmate.surfaces.cli", "ui", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        # `bandmate ui` runs streamlit as a child: end the whole process group, or the server outlives the test
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
        log.close()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        proc.send_signal(sig)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


# ---- driving the page ------------------------------------------------------------------------------
def _wait(driver, cond, timeout_s: float, what: str):
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # a rerun may replace an element between finding it and reading it: look again on the next poll
        return WebDriverWait(driver, timeout_s, poll_frequency=0.5,
                             ignored_exceptions=(StaleElementReferenceException,)).until(cond)
    except TimeoutException:
        _shot(driver, "timeout")
        raise AssertionError(f"waited {timeout_s:.0f} s for {what}; see test-artifacts/timeout.png") from None


def _shot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def _send(driver, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"), 60,
                "the chat input")
    box.click()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def _replies(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [m.text for m in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")]


def _reply_with(driver, needle: str, after: int, timeout_s: float = TURN_S) -> str:
    """The text of the first chat message past index ``after`` containing ``needle``."""
    def found(d):
        msgs = _replies(d)
        return next((m for m in msgs[after:] if needle in m), False)

    return _wait(driver, found, timeout_s, f"a reply containing {needle!r}")


def _players_ready(driver, timeout_s: float = 120) -> int:
    """How many player components finished decoding their audio (waits until at least one did)."""
    from selenium.webdriver.common.by import By

    def ready(d):
        n = 0
        for frame in d.find_elements(By.CSS_SELECTOR, "iframe"):
            try:
                d.switch_to.frame(frame)
                roots = d.find_elements(By.CSS_SELECTOR, "[data-testid='bm-player'][data-ready='1']")
                n += bool(roots)
            finally:
                d.switch_to.default_content()
        return n or False

    return _wait(driver, ready, timeout_s, "a player with its audio decoded")


def _excerpt_wav(src: Path, dst: Path, start_s: float, dur_s: float) -> Path:
    import soundfile as sf

    with sf.SoundFile(str(src)) as f:
        f.seek(int(start_s * f.samplerate))
        data = f.read(int(dur_s * f.samplerate), dtype="float32", always_2d=True)
        sf.write(str(dst), data, f.samplerate, subtype="PCM_16")
    return dst


# ---- the test ---------------------------------------------------------------------------------------
def test_studio_in_a_real_browser(studio_url, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(studio_url)
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"), 90,
          "the page to become interactive")

    _send(browser, "a dreamy lo-fi loop in F major at 80 bpm with drums, bass and keys, 4 bars")
    made = _reply_with(browser, "80 BPM", 0)
    assert "F major" in made
    assert _players_ready(browser) >= 1

    n = len(_replies(browser))
    _send(browser, "make the bass warmer")
    edit = _reply_with(browser, "Measured", n)
    assert "bass" in edit and "as intended" in edit, edit
    assert _players_ready(browser) >= 1
    _shot(browser, "studio-conversation")

    ab_tab = _wait(browser, lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, "[data-testid='stTab']")
                                            if "A/B" in (t.get_attribute("textContent") or "")), False), 30,
                   "the A/B tab")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", ab_tab)
    _wait(browser, lambda d: "Loudness-matched" in d.find_element(By.TAG_NAME, "body").text, 60,
          "the A/B panel's loudness-matching line")
    chart = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart'] canvas, "
                                                    "[data-testid='stVegaLiteChart'] svg"), 60,
                  "the spectrum-difference plot to draw")
    assert chart.size["width"] > 100 and chart.size["height"] > 100
    _shot(browser, "studio-ab")

    if not (REAL / "vibe_ace.ogg").is_file():
        return  # the upload half needs ../shared/data/real (absent here); the generated half passed
    wav = _excerpt_wav(REAL / "vibe_ace.ogg", tmp_path / "vibe_ace_excerpt.wav", 20.0, 12.0)
    opener = _wait(browser, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebar'] summary")
                                            if "Start from a file" in e.text), False), 60, "the sidebar's upload section")
    opener.click()  # the expander's content is hidden until opened, and hidden buttons have no text
    upload = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar'] input[type='file']"),
                   60, "the sidebar's upload box")
    upload.send_keys(str(wav))
    go = _wait(browser, lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebar'] button")
                                        if "Open as a new session" in b.text), False), 90, "the open-upload button")
    go.click()
    _wait(browser, lambda d: "Opened the upload as a new session" in d.find_element(By.TAG_NAME, "body").text,
          120, "the upload to open as a new session")
    _wait(browser, lambda d: "vibe_ace_excerpt" in d.find_element(By.TAG_NAME, "body").text, 60,
          "the new session's name over the conversation")

    _send(browser, "make it brighter")
    edit = _reply_with(browser, "Measured", 0)
    assert "as intended" in edit, edit
    assert _players_ready(browser) >= 1
    _shot(browser, "studio-upload-edit")

    # Stop: a request that separates the recording first (seconds), stopped while it runs, keeps nothing
    from bandmate.memory.store import Store

    store = Store(tmp_path / "studio-home")
    (info,) = [s for s in store.list_sessions() if s.name.startswith("vibe_ace_excerpt")]
    head = store.info(info.id).head
    _send(browser, "make the vocals warmer")
    # the studio's own Stop (Streamlit's toolbar has one too, which ends the page run without a new one)
    stop = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".st-key-stop-turn button"), 60,
                 "the Stop button")
    stop.click()
    _wait(browser, lambda d: "nothing of it was kept" in d.find_element(By.TAG_NAME, "body").text, 120,
          "the page to say the request was stopped")
    assert store.info(info.id).head == head  # the separation the turn made was not kept
    _shot(browser, "studio-stopped")
