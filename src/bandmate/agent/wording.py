"""Tool calls described the way an engineer would say them ("−4 dB bell at 100 Hz")."""

from __future__ import annotations

from typing import Any


def _hz(f: float) -> str:
    return f"{f / 1000:g} kHz" if f >= 1000 else f"{f:g} Hz"


def _eq(a: dict[str, Any]) -> str:
    parts = []
    if a.get("highpass_hz"):
        parts.append(f"high-pass at {_hz(a['highpass_hz'])}")
    if a.get("low_shelf_db"):
        parts.append(f"{a['low_shelf_db']:+g} dB low shelf below {_hz(a.get('low_shelf_hz', 200))}")
    for i in (1, 2, 3):
        if a.get(f"peak{i}_db"):
            parts.append(f"{a[f'peak{i}_db']:+g} dB bell at {_hz(a.get(f'peak{i}_hz', 1000))}")
    if a.get("high_shelf_db"):
        parts.append(f"{a['high_shelf_db']:+g} dB high shelf above {_hz(a.get('high_shelf_hz', 5000))}")
    if a.get("lowpass_hz"):
        parts.append(f"low-pass at {_hz(a['lowpass_hz'])}")
    return ", ".join(parts) or "flat EQ"


def describe_call(tool: str, a: dict[str, Any]) -> str:
    if tool == "eq":
        return _eq(a)
    if tool == "gain":
        return f"{a.get('gain_db', 0):+g} dB"
    if tool == "compressor":
        return (f"compression {a.get('ratio', 4):g}:1 from {a.get('threshold_db', -18):g} dB "
                f"({a.get('attack_ms', 10):g} ms attack)")
    if tool == "reverb":
        return f"reverb (room {a.get('room_size', 0.5):g}, wet {a.get('wet_level', 0.33):g})"
    if tool == "delay":
        return f"{a.get('delay_ms', 250):g} ms echo, feedback {a.get('feedback', 0.3):g}"
    if tool == "saturation":
        return f"saturation, {a.get('drive_db', 6):g} dB drive"
    if tool == "stereo_width":
        return f"stereo width ×{a.get('width', 1):g}"
    if tool == "pitch_shift":
        return f"{a.get('semitones', 0):+g} semitones"
    if tool == "time_stretch":
        return f"tempo to {a['target_bpm']:g} BPM" if a.get("target_bpm") else f"tempo ×{a.get('rate', 1):g}"
    shown = ", ".join(f"{k}={v}" for k, v in a.items() if k not in ("target",) and v is not None)
    return f"{tool}({shown})"
