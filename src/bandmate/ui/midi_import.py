"""A session from a MIDI file: each instrument rendered to a stem (FluidSynth, else the built-in synth).

Stems are named by General-MIDI family (drums, bass, piano, …); the file's tempo, meter, beats and
bars go into the state table, and each part's MIDI is kept as a ``midi:<stem>`` asset. No Streamlit.
"""

from __future__ import annotations

from pathlib import Path

from bandmate.core.errors import ToolInputError

MAX_PARTS = 16
MAX_DURATION_S = 20 * 60.0
# (first program of the family, stem name, composer role)
FAMILIES = ((0, "piano", "comp"), (8, "keys", "comp"), (16, "organ", "comp"), (24, "guitar", "comp"),
            (32, "bass", "bass"), (40, "strings", "pad"), (48, "strings", "pad"), (56, "brass", "lead"),
            (64, "lead", "lead"), (80, "synth", "lead"), (88, "pad", "pad"), (96, "fx", "pad"),
            (104, "other", "lead"), (112, "percussion", "drums"), (120, "fx", "pad"))


def family(program: int, is_drum: bool) -> tuple[str, str]:
    if is_drum:
        return "drums", "drums"
    name, role = "other", "lead"
    for first, n, r in FAMILIES:
        if program >= first:
            name, role = n, r
    return name, role


def read_parts(path: str | Path):
    """(parts, pretty_midi object) of a MIDI file, refusing anything that is not a usable song."""
    import pretty_midi

    from bandmate.tools.backends.composer.arrangement import Note, Part

    p = Path(path)
    try:
        pm = pretty_midi.PrettyMIDI(str(p))
    except Exception as err:  # mido/pretty_midi raise many types for a bad file
        raise ToolInputError(f"cannot read {p.name} as MIDI ({err}); expected a standard .mid file") from err
    end = pm.get_end_time()
    if end <= 0 or not any(i.notes for i in pm.instruments):
        raise ToolInputError(f"{p.name} holds no notes; expected a MIDI file with at least one note")
    if end > MAX_DURATION_S:
        raise ToolInputError(f"{p.name} lasts {end:.0f}s, over the {MAX_DURATION_S:.0f}s limit; trim it first")
    played = [i for i in pm.instruments if i.notes]
    if len(played) > MAX_PARTS:
        raise ToolInputError(f"{p.name} has {len(played)} instruments; Bandmate takes up to {MAX_PARTS}")
    parts: dict[str, Part] = {}
    for inst in played:
        name, role = family(inst.program, inst.is_drum)
        unique, n = name, 2
        while unique in parts:
            unique, n = f"{name}{n}", n + 1
        notes = [Note(int(x.pitch), float(x.start), float(x.end), int(x.velocity)) for x in inst.notes]
        parts[unique] = Part(unique, int(inst.program), bool(inst.is_drum), notes, role, inst.name or name)
    return parts, pm


def session_from_midi(store, path: str | Path, *, settings=None, name: str = "", user: str = "default") -> str:
    """Render every part and create the session; returns its id."""
    from bandmate.memory.state import StateTable
    from bandmate.tools.backends.composer.arrangement import to_midi_bytes
    from bandmate.tools.backends.render import make_renderer, render_part
    from bandmate.tools.mixing import sum_stems

    parts, pm = read_parts(path)
    _, tempi = pm.get_tempo_changes()
    tempo = float(tempi[0]) if len(tempi) else 120.0
    ts = pm.time_signature_changes[0] if pm.time_signature_changes else None
    meter = f"{ts.numerator}/{ts.denominator}" if ts else "4/4"
    duration = pm.get_end_time() + 1.5
    sr = 44100
    renderer = make_renderer(settings, sr)
    stems = {n: render_part(p, sample_rate=sr, duration_s=duration, settings=settings, renderer=renderer)
             for n, p in parts.items()}
    state = StateTable(tempo_bpm=round(tempo, 3), time_signature=meter, instrumentation=list(stems),
                       beats_s=[float(b) for b in pm.get_beats()], downbeats_s=[float(b) for b in pm.get_downbeats()])
    assets = {f"midi:{n}": store.blobs.put_bytes(to_midi_bytes(p, tempo_bpm=tempo, time_signature=meter), ".mid")
              for n, p in parts.items()}
    mix = sum_stems(stems, state, sr)
    return store.create_session(mix=mix, stems=stems, state=state, name=name or Path(path).stem, user=user,
                                assets=assets, step={"tool": "import_midi", "args": {"file": Path(path).name},
                                                     "summary": f"MIDI import: {', '.join(stems)} at {tempo:.0f} BPM"})
