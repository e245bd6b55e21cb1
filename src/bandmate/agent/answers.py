"""Answers to questions about the music, composed from the state table (after analysis if needed)."""

from __future__ import annotations

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
        return f"Stems: {', '.join(view.stems)}." if view.stems else "Only a mixed track, no separate stems yet."
    parts = [f"{view.duration_s:.1f} s"]
    if st.tempo_bpm:
        parts.append(f"{st.tempo_bpm:.0f} BPM")
    if st.key:
        parts.append(st.key)
    if view.stems:
        parts.append("stems: " + ", ".join(view.stems))
    return "This session: " + "; ".join(parts) + "."
