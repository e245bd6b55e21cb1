"""Parts from what a stem plays: its written notes, or on recordings its transcription (basic-pitch).

Used by ``replace_stem`` (re-voice a part with another instrument) and ``add_stem`` (double a part with
a new instrument) on sessions whose stems have no written notes. Notes keep their times; a re-voiced
part moves by whole octaves so that its median pitch lies in the new instrument's usual register.
"""

from __future__ import annotations

import numpy as np

from bandmate.core.errors import ToolInputError

REGISTER = {"bass": 40, "comp": 62, "pad": 60, "lead": 72, "arp": 67}  # median MIDI pitch per role


def stem_notes(ctx, stem: str) -> tuple[list, str]:
    """(notes, source) of ``stem``: its written notes ('written'), an earlier transcription, or a new one
    ('transcribed', also stored as the asset 'notes:transcribed:<stem>')."""
    from bandmate.tools.backends.composer.arrangement import Part

    for key, source in ((f"notes:{stem}", "written"), (f"notes:transcribed:{stem}", "transcribed")):
        data = ctx.asset(key)
        if data:
            part = Part.from_json(data)
            if part.notes and not part.is_drum:
                return part.notes, source
    if stem not in ctx.stem_names():
        raise ToolInputError(ctx.unknown_target_message(stem))
    from bandmate.tools.backends.transcription_basic_pitch import BasicPitchTranscriber
    from bandmate.tools.transcribe import BASS_MAX_HZ, notes_to_part

    clip = ctx.clip(stem)
    engine = ctx.backends.get("transcription:basic-pitch", BasicPitchTranscriber)
    found = engine.transcribe(y=clip.to_mono(), sample_rate=clip.sample_rate,
                              max_freq_hz=BASS_MAX_HZ if stem.startswith("bass") else None)
    part = notes_to_part(found, stem)
    if not part.notes:
        raise ToolInputError(f"no notes could be transcribed from {stem!r}; it may hold only drums or noise")
    ctx.set_asset(f"notes:transcribed:{stem}", part.to_bytes())
    return part.notes, "transcribed"


def revoiced(notes: list, instrument: str, name: str):
    """The notes as a ``Part`` for ``instrument`` (its program and role), moved by octaves into its register."""
    from bandmate.tools.backends.composer import presets
    from bandmate.tools.backends.composer.arrangement import Note, Part

    inst = presets.instrument(instrument)
    if inst.role == "drums":
        raise ToolInputError(f"{instrument!r} is a drum kit; a pitched part cannot be re-voiced on drums")
    median = float(np.median([n.pitch for n in notes]))
    shift = 12 * int(round((REGISTER.get(inst.role, 60) - median) / 12))
    moved = [Note(int(np.clip(n.pitch + shift, 0, 127)), n.start_s, n.end_s, n.velocity) for n in notes]
    program = presets.resolve_program(inst, presets.preset(None))
    return Part(name, program, False, moved, inst.role, instrument, "re-voiced")
