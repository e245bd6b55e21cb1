"""`generate`: compose new music (drums, bass, chords, pad, lead…) from a text request and/or controls."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field, field_validator, model_validator

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.memory.state import ChordSpan, Section, StateTable
from bandmate.tools.args import ToolArgs
from bandmate.tools.backends.composer.arrangement import Arrangement, Part
from bandmate.tools.backends.composer.controls import FEELS, Controls, parse_prompt, split_progression
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

SAMPLE_RATE = 44100
MIX_PEAK = 0.89  # −1 dBFS: stems are scaled together so their plain sum never clips


class GenerateArgs(ToolArgs):
    prompt: str = Field("", max_length=1000, description="What to make, in words, e.g. 'funky 100 bpm groove "
                                                         "in E minor with drums, bass and keys'.")
    bars: int | None = Field(None, ge=1, le=256, description="Length in bars (default 8).")
    duration_s: float | None = Field(None, gt=0, le=600, description="Length in seconds (rounded to whole bars); "
                                                                     "alternative to bars.")
    tempo_bpm: float | None = Field(None, ge=40, le=240, description="Tempo in BPM.")
    key: str | None = Field(None, max_length=20, description="Key, e.g. 'E minor', 'F# major', 'Bb'.")
    time_signature: str | None = Field(None, max_length=5, description="Meter: '4/4', '3/4', '6/8'…")
    chords: str | None = Field(None, max_length=1000, description="Chord progression, one chord per bar, "
                                                                  "e.g. 'Am F C G' or 'Am F | C G' (two per bar).")
    instruments: list[Annotated[str, Field(min_length=2, max_length=40)]] | None = Field(None, max_length=12, description="Parts to write, e.g. ['drums', "
                                                                           "'walking bass', 'piano', 'strings'].")
    drum_feel: Literal[FEELS] | None = Field(None, description="Drum groove; four_on_the_floor, half_time, "
                                                               "swing, shuffle, breakbeat…")
    swing_pct: float | None = Field(None, ge=0, le=75, description="Swing: 50 straight, 60 light, 66 triplet; "
                                                                   "0 means straight.")
    genre: str | None = Field(None, max_length=30, description="Genre preset: pop, rock, funk, house, jazz, "
                                                               "lofi, hiphop, blues, reggae, ambient…")
    mood: str | None = Field(None, max_length=30, description="Mood word: happy, sad, dark, dreamy, energetic…")
    melody: str | None = Field(None, max_length=2000, description="Lead melody as notes with optional lengths "
                                                                  "in beats, e.g. 'E4 G4:0.5 A4:0.5 B4:2 r:1'.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Same seed, same music; change it for another take.")
    backend: Literal["symbolic", "musicgen"] | None = Field(None, description="symbolic (composer + synth, "
                                                                             "default) or musicgen (neural audio).")

    @field_validator("swing_pct")
    @classmethod
    def _swing(cls, v: float | None) -> float | None:
        if v is not None and 0 < v < 50:
            raise ToolInputError(f"swing_pct {v:g} is below 50; 50 is straight, 60 light swing, 66 triplet "
                                 "swing (use 0 or 50 for none)")
        return v

    @model_validator(mode="after")
    def _length(self):
        if self.bars is not None and self.duration_s is not None:
            raise ToolInputError(f"give the length as bars ({self.bars}) or duration_s ({self.duration_s:g}), "
                                 "not both")
        return self


class GenerateResult(BaseModel):
    backend: str
    engine: str  # 'fluidsynth', 'builtin' or 'musicgen'
    stems: list[str]
    tempo_bpm: float | None
    key: str | None
    time_signature: str
    bars: int | None
    duration_s: float
    chords: list[str]
    drum_feel: str | None
    genre: str | None
    seed: int
    summary: str


def controls_from_args(args: GenerateArgs) -> Controls:
    """The prompt's reading with every explicit argument laid over it."""
    base = parse_prompt(args.prompt) if args.prompt.strip() else Controls()
    if args.bars is not None or args.duration_s is not None:
        base = base.model_copy(update={"bars": None, "duration_s": None})
    swing = None if args.swing_pct is None else (0.0 if args.swing_pct <= 50 else args.swing_pct / 100)
    return base.merged(
        tempo_bpm=args.tempo_bpm, key=args.key, time_signature=args.time_signature, bars=args.bars,
        duration_s=args.duration_s, chords=split_progression(args.chords) if args.chords else None,
        instruments=args.instruments, drum_feel=args.drum_feel, swing=swing, genre=args.genre,
        mood=args.mood, melody=args.melody.replace(",", " ").split() if args.melody else None, seed=args.seed)


def generate(args: GenerateArgs, ctx: ToolContext) -> GenerateResult:
    """Compose new music from a text request and/or explicit controls and make it the session's content.

    Writes a multi-track arrangement (drums, bass, keys, pad, lead… as asked) that follows the chords
    and groove, renders one stem per part, and records tempo, key, chords and beat grid. Explicit
    arguments override the prompt. On an existing session it replaces the music (a new version).
    """
    if (args.backend or ctx.settings.generator) == "musicgen":
        return _musicgen(args, ctx)
    from bandmate.tools.backends.composer import compose

    controls = controls_from_args(args)
    arr = compose(controls)
    stems = headroom(render_parts(ctx, arr.parts.values(), arr.duration_s + 1.0))
    ctx.clear_bus()  # earlier mix-bus moves were made for the music this replaces
    for name in ctx.stem_names():
        if name not in stems:
            ctx.remove_stem(name)
    ctx.state = state_from_arrangement(arr)
    for name, clip in stems.items():
        stage_part(ctx, arr.parts[name], clip)
    ctx.set_asset("json:arrangement", arr.to_bytes())
    return _result(arr, list(stems), engine_of(ctx))


# ---- helpers shared with add_stem / replace_stem ----------------------------------------------------
def engine_of(ctx: ToolContext) -> str:
    from bandmate.tools.backends.render import engine_name

    return engine_name(ctx.settings)


def renderer_for(ctx: ToolContext, sample_rate: int):
    """The FluidSynth renderer kept in the context's backend cache, or None for the built-in synth."""
    from bandmate.tools.backends.render import make_renderer, soundfont_path

    if engine_of(ctx) != "fluidsynth":
        return None
    return ctx.backends.get(f"fluidsynth:{soundfont_path(ctx.settings)}:{sample_rate}",
                            lambda: make_renderer(ctx.settings, sample_rate))


def render_parts(ctx: ToolContext, parts, duration_s: float, sample_rate: int = SAMPLE_RATE) -> dict[str, Clip]:
    from bandmate.tools.backends.render import render_part

    renderer = renderer_for(ctx, sample_rate)
    return {p.name: render_part(p, sample_rate=sample_rate, duration_s=duration_s, settings=ctx.settings,
                                renderer=renderer) for p in parts}


def headroom(stems: dict[str, Clip]) -> dict[str, Clip]:
    """Scale all stems by one factor when their sum would peak above −1 dBFS (the balance is kept)."""
    frames = max(c.frames for c in stems.values())
    mix = sum(c.with_channels(2).padded(frames).astype(np.float64) for c in stems.values())
    peak = float(np.abs(mix).max())
    if peak <= MIX_PEAK:
        return stems
    g = MIX_PEAK / peak
    return {n: c.replace(c.samples * g, f"headroom {20 * np.log10(g):+.1f} dB") for n, c in stems.items()}


def stage_part(ctx: ToolContext, part: Part, clip: Clip) -> None:
    """Stage a stem with its notes and MIDI, so later edits can read what was played."""
    from bandmate.tools.backends.composer.arrangement import to_midi_bytes

    ctx.set_clip(part.name, clip)
    ctx.set_asset(f"notes:{part.name}", part.to_bytes())
    tempo = ctx.state.tempo_bpm or 120.0
    ctx.set_asset(f"midi:{part.name}", to_midi_bytes(part, tempo_bpm=tempo,
                                                     time_signature=ctx.state.time_signature or "4/4"))


def state_from_arrangement(arr: Arrangement) -> StateTable:
    c = arr.controls
    return StateTable(tempo_bpm=c.tempo_bpm, time_signature=c.time_signature or "4/4", offset_s=c.offset_s,
                      key=c.key, chords=[ChordSpan(start_s=s, end_s=e, label=lab) for s, e, lab in arr.chords],
                      beats_s=arr.beats_s, downbeats_s=arr.downbeats_s, instrumentation=list(arr.parts),
                      tags=list(dict.fromkeys(t for t in (c.genre, c.mood, (c.drum_feel or "").replace("_", " "))
                                              if t)),
                      symbolic=True, sections=[Section(start_s=s, end_s=e, label=lab, name=name or None,
                                                       source="written") for s, e, name, lab in arr.sections])


def _result(arr: Arrangement, stems: list[str], engine: str) -> GenerateResult:
    c = arr.controls
    per_bar = [c.chords[(b - 1) % len(c.chords)] for b in range(1, min(c.bars or 0, 64) + 1)]
    parts = ", ".join(f"{n} ({p.style or p.instrument})" if p.style else n for n, p in arr.parts.items())
    cycle = " – ".join(c.chords[:8]) if c.chords else ""
    summary = (f"{c.bars} bars of {c.genre} in {c.key} at {c.tempo_bpm:g} BPM ({c.time_signature}), "
               f"{(c.drum_feel or 'straight').replace('_', ' ')} feel: {parts}; chords {cycle}; "
               f"rendered with {'FluidSynth' if engine == 'fluidsynth' else 'the built-in synth'}, seed {c.seed}")
    return GenerateResult(backend="symbolic", engine=engine, stems=stems, tempo_bpm=c.tempo_bpm, key=c.key,
                          time_signature=c.time_signature or "4/4", bars=c.bars, duration_s=round(arr.duration_s, 3),
                          chords=per_bar, drum_feel=c.drum_feel, genre=c.genre, seed=c.seed, summary=summary)


def _musicgen(args: GenerateArgs, ctx: ToolContext) -> GenerateResult:
    try:
        from bandmate.tools.backends import musicgen as mg
    except ImportError as err:
        raise BackendUnavailable(f"the MusicGen backend is not installed ({err}); use backend='symbolic' or "
                                 "install the models extra and set BANDMATE_MUSICGEN") from err
    partial = controls_from_args(args)
    c = partial.resolved()
    duration = args.duration_s or (c.bars or 8) * c.bar_s
    text = ", ".join(t for t in (args.prompt.strip(), partial.genre, partial.mood,
                                 f"{partial.tempo_bpm:g} bpm" if partial.tempo_bpm else None,
                                 f"in {partial.key}" if partial.key else None,
                                 ", ".join(partial.instruments or [])) if t)
    model = ctx.backends.get("musicgen", lambda: mg.load_musicgen(ctx.settings))
    # only a melody checkpoint can follow a melody; a text-only one is told about it in words instead
    melody = _melody_clip(c, ctx) if c.melody and getattr(model, "is_melody", False) else None
    clip = model.generate(text or "music", duration, seed=args.seed, melody=melody)
    ctx.clear_bus()
    for name in ctx.stem_names():
        ctx.remove_stem(name)
    ctx.set_clip("mix", clip)
    ctx.state = StateTable(tags=[t for t in (partial.genre, partial.mood) if t], symbolic=False,
                           requested=partial.model_dump(mode="json", exclude_none=True))
    return GenerateResult(backend="musicgen", engine="musicgen", stems=[], tempo_bpm=partial.tempo_bpm,
                          key=partial.key, time_signature=c.time_signature or "4/4", bars=None,
                          duration_s=round(clip.duration_s, 3), chords=[], drum_feel=None, genre=partial.genre,
                          seed=args.seed, summary=f"{clip.duration_s:.1f}s generated by MusicGen from "
                                                  f"{text!r}{' following the melody' if melody else ''} (tempo, "
                                                  "key and chords not measured yet: run analyze)")


def _melody_clip(c: Controls, ctx: ToolContext) -> Clip:
    from bandmate.tools.backends.composer import compose_part
    from bandmate.tools.backends.render import render_part

    part = compose_part("lead", c)
    return render_part(part, settings=ctx.settings, duration_s=(c.bars or 8) * c.bar_s)


SPEC = ToolSpec(name="generate", Args=GenerateArgs, Result=GenerateResult, fn=generate, creates_session=True,
                replayable=False,
                category="music", separates_first=True, stacks=False)
