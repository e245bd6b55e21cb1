"""`transcribe`: a stem or the mix -> notes (start, end, pitch, velocity) and a MIDI file on the session."""

from __future__ import annotations

import time

import numpy as np
from pydantic import BaseModel, Field, model_validator

from bandmate.core.errors import ToolInputError
from bandmate.tools.args import TargetArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

MAX_LISTED = 400
BASS_MAX_HZ = 400.0  # a bass part's notes (E1 41 Hz .. G4 392 Hz); harmonics above are not notes


class TranscribeArgs(TargetArgs):
    onset_threshold: float = Field(0.5, ge=0.05, le=0.95, description="How sure an onset must be (lower: "
                                                                       "more, softer notes).")
    frame_threshold: float = Field(0.3, ge=0.05, le=0.95, description="How loud a held note must stay.")
    min_note_ms: float = Field(100.0, ge=10, le=1000, description="Shortest note kept, in milliseconds.")
    min_freq_hz: float | None = Field(None, ge=20, le=8000, description="Ignore notes below this frequency.")
    max_freq_hz: float | None = Field(None, ge=30, le=10000, description="Ignore notes above this frequency "
                                                                         "(default 400 Hz on a 'bass' stem).")

    @model_validator(mode="after")
    def _band(self):
        if self.min_freq_hz is not None and self.max_freq_hz is not None and self.max_freq_hz <= self.min_freq_hz:
            raise ToolInputError(f"max_freq_hz {self.max_freq_hz:g} must be above min_freq_hz {self.min_freq_hz:g}")
        return self


class TranscribeResult(BaseModel):
    target: str
    backend: str
    num_notes: int
    notes: list[tuple[float, float, int, int]] = Field(default_factory=list, description=f"(start_s, end_s, "
                                                       f"pitch, velocity), the first {MAX_LISTED}.")
    lowest: str | None = None
    highest: str | None = None
    pitch_classes: dict[str, float] = Field(default_factory=dict, description="Share of note time per pitch class.")
    notes_asset: str
    midi_asset: str
    seconds: float
    x_real_time: float
    summary: str


def transcribe(args: TranscribeArgs, ctx: ToolContext) -> TranscribeResult:
    """Transcribe a stem or the mix into notes (start, end, pitch, velocity) and save them as MIDI.

    Use it for "what is the bass playing?", "give me the MIDI of the keys", or before re-voicing a part of
    a recording. Separate first to transcribe one instrument of a recording. Audio is unchanged; the
    notes are kept on the session as assets 'notes:transcribed:<target>' and 'midi:transcribed:<target>'.
    """
    t0 = time.perf_counter()
    clip = ctx.clip(args.target)
    y = clip.to_mono()
    if float(np.abs(y).max(initial=0.0)) < 1e-4:
        raise ToolInputError(f"{args.target!r} is silent ({clip.duration_s:.1f}s, peak below -80 dBFS); there are "
                             "no notes to transcribe. Pick another target")
    from bandmate.tools.backends.transcription_basic_pitch import BasicPitchTranscriber

    engine = ctx.backends.get("transcription:basic-pitch", BasicPitchTranscriber)
    high = args.max_freq_hz or (BASS_MAX_HZ if args.target.startswith("bass") else None)
    notes = engine.transcribe(y=y, sample_rate=clip.sample_rate, onset_threshold=args.onset_threshold,
                              frame_threshold=args.frame_threshold, min_note_s=args.min_note_ms / 1000,
                              min_freq_hz=args.min_freq_hz, max_freq_hz=high)
    part = notes_to_part(notes, args.target)
    from bandmate.tools.backends.composer.arrangement import to_midi_bytes

    notes_key, midi_key = f"notes:transcribed:{args.target}", f"midi:transcribed:{args.target}"
    ctx.set_asset(notes_key, part.to_bytes())
    ctx.set_asset(midi_key, to_midi_bytes(part, tempo_bpm=ctx.state.tempo_bpm or 120.0,
                                          time_signature=ctx.state.time_signature or "4/4"))
    seconds = time.perf_counter() - t0
    return _result(args.target, notes, notes_key, midi_key, seconds, clip.duration_s)


def notes_to_part(notes, name: str):
    """Transcribed notes as a composer ``Part`` (program 0, role from the stem name) for MIDI and render."""
    from bandmate.tools.backends.composer.arrangement import Note, Part

    role = "bass" if name.startswith("bass") else "comp"
    return Part(name, 33 if role == "bass" else 0, False,
                [Note(n.pitch, n.start_s, n.end_s, n.velocity) for n in notes], role, "transcribed", "")


def pitch_class_shares(notes) -> dict[str, float]:
    from bandmate.tools.backends.analysis_librosa import PITCH_NAMES

    weights = np.zeros(12)
    for n in notes:
        weights[n.pitch % 12] += n.end_s - n.start_s
    total = weights.sum()
    return {PITCH_NAMES[i]: round(float(w / total), 3) for i, w in enumerate(weights) if w > 0} if total else {}


def _result(target, notes, notes_key, midi_key, seconds, duration_s) -> TranscribeResult:
    from bandmate.tools.backends.composer.theory import midi_to_name

    pitches = [n.pitch for n in notes]
    shares = pitch_class_shares(notes)
    top = ", ".join(k for k, _ in sorted(shares.items(), key=lambda kv: -kv[1])[:4])
    rng = f"{midi_to_name(min(pitches))}–{midi_to_name(max(pitches))}" if pitches else "none"
    return TranscribeResult(
        target=target, backend="basic-pitch (ICASSP 2022, ONNX)", num_notes=len(notes),
        notes=[(n.start_s, n.end_s, n.pitch, n.velocity) for n in notes[:MAX_LISTED]],
        lowest=midi_to_name(min(pitches)) if pitches else None, highest=midi_to_name(max(pitches)) if pitches else None,
        pitch_classes=shares, notes_asset=notes_key, midi_asset=midi_key, seconds=round(seconds, 3),
        x_real_time=round(duration_s / max(seconds, 1e-6), 1),
        summary=f"{target}: {len(notes)} notes over {duration_s:.1f}s, range {rng}"
                f"{', mostly ' + top if top else ''}; MIDI saved as {midi_key!r} [{seconds:.1f}s]")


SPEC = ToolSpec(name="transcribe", Args=TranscribeArgs, Result=TranscribeResult, fn=transcribe, category="analysis")
