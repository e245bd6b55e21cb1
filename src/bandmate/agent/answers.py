"""Answers to questions about the music, composed from the state table (after analysis if needed)."""

from __future__ import annotations

import re

from bandmate.agent.parser import whole_bars
from bandmate.agent.view import SessionView
from bandmate.core.timing import Grid, meter_beats


def chords_in_bars(view: SessionView, start_bar: int | None, end_bar: int | None) -> str:
    """Lead-sheet chords of a bar range (the whole piece by default), via the analysis tool's reader."""
    from bandmate.core.errors import ToolInputError
    from bandmate.tools.analyze import describe_chords_in_bars

    st = view.state
    if not st.chords:
        return "no chords are known for this session"
    if not st.tempo_bpm:
        from bandmate.tools.analyze import pretty_chord

        return " | ".join(pretty_chord(c.label) for c in st.chords)
    g = Grid(st.tempo_bpm, meter_beats(st.time_signature), st.offset_s)
    last = whole_bars(g.bars_in(view.duration_s))
    try:
        return describe_chords_in_bars(st, start_bar or 1, min(end_bar or last, last))
    except ToolInputError as err:
        return str(err)


def answer(topic: str, view: SessionView, *, start_bar: int | None = None, end_bar: int | None = None,
           measured: bool = False, loudness_lufs: float | None = None) -> str:
    st = view.state
    src = " (measured from the audio)" if measured else ""
    if topic == "key":
        return f"It's in {st.key}{src}." if st.key else "I couldn't determine the key."
    if topic == "tempo":
        return f"About {st.tempo_bpm:.0f} BPM{src}." if st.tempo_bpm else "I couldn't determine the tempo."
    if topic == "time_signature":
        return f"{st.time_signature}{src}."
    if topic == "chords":
        where = f"bars {start_bar}–{end_bar}" if start_bar else "the whole piece"
        return f"Chords in {where}: {chords_in_bars(view, start_bar, end_bar)}{src}."
    if topic == "loudness":
        lufs = loudness_lufs if loudness_lufs is not None else st.loudness_lufs
        return f"The mix measures {lufs:.1f} LUFS integrated." if lufs is not None else "Loudness unknown."
    if topic == "length":
        bars = f", {view.total_bars:.1f} bars" if view.total_bars else ""
        return f"{view.duration_s:.1f} seconds{bars}."
    if topic == "stems":
        return _stems_said(view)
    parts = [f"{view.duration_s:.1f} s"]
    if st.tempo_bpm:
        parts.append(f"{st.tempo_bpm:.0f} BPM")
    if st.key:
        parts.append(st.key)
    if view.stems:
        parts.append("stems: " + ", ".join(view.stems))
    return "This session: " + "; ".join(parts) + "."


SOUNDING_DB = -50.0   # quieter than this (RMS dBFS) in the range is silence
BELOW_OWN_DB = 30.0   # and a part this far under its own level elsewhere is only bleed or a tail


def playing(session, view: SessionView, *, bars: tuple[int, int] | None = None,
            seconds: tuple[float, float] | None = None) -> str:
    """Which parts sound in a range ("what's playing in bar 3"), measured as RMS level per stem."""
    st = view.state
    where, span = "over the whole piece", (0.0, view.duration_s)
    if bars is not None and st.tempo_bpm:
        g = Grid(st.tempo_bpm, meter_beats(st.time_signature), st.offset_s)
        span = g.bars_to_range_s(*bars)
        where = f"in bar {bars[0]}" if bars[0] == bars[1] else f"in bars {bars[0]}–{bars[1]}"
    elif seconds is not None:
        span, where = seconds, f"from {seconds[0]:g} to {seconds[1]:g} s"
    if span[0] >= view.duration_s:
        return f"The piece is {view.duration_s:.1f} s long, so there is nothing {where}."
    if not view.stems:
        level = _rms_db(session.mix().samples, session.mix().sample_rate, span)
        return (f"Only the mixed track is here (no stems yet): it plays at {level:.0f} dBFS RMS {where}. "
                "Ask me to separate it to hear which parts are in it.")
    on, off = [], []
    for name in view.stems:
        clip = session.stem(name)
        level = _rms_db(clip.samples, clip.sample_rate, span)
        whole = _rms_db(clip.samples, clip.sample_rate, (0.0, clip.duration_s))
        (on if level > SOUNDING_DB and level > whole - BELOW_OWN_DB else off).append((name, level))
    said = ", ".join(f"{n} ({db:.0f} dBFS)" for n, db in on) or "nothing"
    rest = f"; silent: {', '.join(n for n, _ in off)}" if off else ""
    return f"Playing {where}: {said}{rest} (RMS level measured on each stem)."


def _rms_db(samples, sample_rate: int, span: tuple[float, float]) -> float:
    import numpy as np

    a, b = int(max(0.0, span[0]) * sample_rate), int(max(0.0, span[1]) * sample_rate)
    x = samples[:, a:b]
    if x.size == 0:
        return -120.0
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def describe_parts(session, view: SessionView, names: list[str]) -> str:
    """Loudness, brightness and note density of the named parts (the mix when none), measured now."""
    from bandmate.core import measures

    names = [n for n in names if n in view.stems] or ["mix"]
    rows = []
    for name in names:
        clip = session.mix() if name == "mix" else session.stem(name)
        rows.append((name, measures.loudness_lufs(clip), measures.centroid_hz(clip), measures.onset_rate(clip)))
    said = "; ".join(f"{n}: {lufs:.1f} LUFS, centroid {c:.0f} Hz, {rate:.1f} onsets/s" for n, lufs, c, rate in rows)
    if len(rows) >= 2:
        (a, la, ca, _), (b, lb, cb, _) = rows[:2]
        said += (f". The {a} is {abs(la - lb):.1f} dB {'louder' if la > lb else 'quieter'} than the {b}, "
                 f"and {'brighter' if ca > cb else 'darker'} (centroid {ca:.0f} vs {cb:.0f} Hz)")
    return f"Measured {said}."


def last_change(view: SessionView) -> str:
    """What the latest turn did, in an engineer's words."""
    from bandmate.agent.wording import describe_call

    if not view.last_turn:
        return "Nothing has been changed yet in this session."
    steps = "; ".join(f"{s['tool']} ({describe_call(s['tool'], s.get('args', {}))})" for s in view.last_turn)
    return f"The last change: {steps}."


SO_FAR = re.compile(r"\b(?:so far|all|everything|in total|overall|until now|up to now|since (?:the )?(?:start|beginning))\b")


def all_changes(session) -> str:
    """Every turn whose work is in the music now (on the head's line), oldest first, with the steps it ran."""
    from bandmate.agent.wording import describe_call

    line, v = set(), session.head
    while v is not None:
        line.add(v.id)
        v = session.version(v.parent) if v.parent is not None else None
    made = [t for t in session.turns() if t.after != t.before and t.kind not in ("history", "answer", "clarify")]
    kept = [t for t in made if t.after in line and t.before in line]
    if not kept:
        return "Nothing has been changed yet in this session."
    said = [f"{i}. '{t.request}': " + "; ".join(describe_call(s["tool"], s.get("args", {})) for s in t.steps)
            for i, t in enumerate(kept, 1)]
    gone = len(made) - len(kept)
    tail = (f" ({gone} other change{'s were' if gone != 1 else ' was'} undone and {'are' if gone != 1 else 'is'} "
            "not in it.)") if gone else ""
    return f"In the music now, oldest first: {' '.join(s.rstrip('; ') + '.' for s in said)}{tail}"


def _stems_said(view: SessionView) -> str:
    """The session's parts, and for separated stems which of them hold a part of their own."""
    if not view.stems:
        return ("It is one mixed track so far. Say 'split it into stems' and I'll separate it into drums, bass, "
                "vocals and other, and tell you which of them hold a part.")
    pres = view.state.stem_presence
    said = f"Stems: {', '.join(view.stems)}."
    if pres:
        found = [s for s in view.stems if s in pres and pres[s].present]
        none = [s for s in view.stems if s in pres and not pres[s].present]
        if found:
            said += f" Separating found a part in {', '.join(found)}"
            said += f"; {', '.join(none)} {'hold' if len(none) > 1 else 'holds'} only bleed or traces." if none else "."
        elif none:
            said += f" Separating found no clear part in {', '.join(none)}."
    return said
