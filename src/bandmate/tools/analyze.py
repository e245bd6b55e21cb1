"""`analyze`: measure tempo, beats and downbeats, meter, key, chords and sections; record them in the state.

Backends (``backend`` argument, else ``settings.analyzer`` / ``BANDMATE_ANALYZER``): ``madmom``
(preferred: CNN+CRF chords, RNN+DBN beats and downbeats, CNN key; its models are CC BY-NC-SA 4.0,
non-commercial) or ``librosa`` (permissive: beat tracker, chroma + Viterbi chords, key profiles);
``auto`` takes madmom when it imports, else librosa.

What is written to the state (one new version):
- a measured session (``state.symbolic`` false): ``tempo_bpm``, ``time_signature`` (3/4 or 4/4),
  ``offset_s`` (the first downbeat), ``beats_s``, ``downbeats_s`` when tempo or beats were asked for;
  ``key``, ``chords`` and ``sections`` when asked for. Earlier values are replaced.
- tempo octave: the tracker's tempo, half or double of it, chosen by the rule in
  ``backends/analysis_tempo.py`` (tempo prior around 115 BPM plus one chord per bar); the other octave
  goes to ``tempo_alternative_bpm`` ("88 BPM, could be 176") and bars are counted at ``tempo_bpm``.
- sections: novelty segmentation over bar-synchronous chroma and MFCC (``backends/analysis_sections.py``),
  repeat labels (A, B, A′) and proposed names with a confidence; pieces under 20 s get none.
- a generated session (``state.symbolic`` true: the generator wrote tempo, key and chords exactly):
  written fields are kept, only empty ones are filled, and the measurement is stored under the extra
  state key ``measured`` with an ``agreement`` summary (tempo within 4 %, same key, fraction of time
  the chords agree as major/minor triads, boundary F-measure of the measured sections against the
  written form). The result reports the measured values either way.

``describe_chords_in_bars(state, start_bar, end_bar)`` answers "what are the chords in bars 5–8?" from
the state table as ``"Fmaj7 | Em7 | Dm7 | Cmaj7"``.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from bandmate.core.errors import ToolInputError
from bandmate.core.timing import Grid, meter_beats
from bandmate.memory.state import ChordSpan, Section, StateTable
from bandmate.tools.args import TargetArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

AnalysisKind = Literal["tempo", "beats", "key", "chords", "sections"]
BACKENDS = ("auto", "madmom", "librosa")
TEMPO_TOLERANCE = 0.04
MIN_DURATION_S = 2.0  # madmom's networks fail below ~1.2 s (an OpenCV filter error); 2 s holds a few beats


class AnalyzeArgs(TargetArgs):
    what: list[AnalysisKind] = Field(default_factory=lambda: ["tempo", "beats", "key", "chords", "sections"],
                                     min_length=1, max_length=5,
                                     description="What to measure: any of 'tempo', 'beats' (beats, downbeats, "
                                                 "meter), 'key', 'chords', 'sections' (form: intro, verse, "
                                                 "chorus …). Default: all five.")
    backend: Literal["auto", "madmom", "librosa"] = Field(
        "auto", description="Analysis engine: 'madmom' (most accurate), 'librosa' (permissive licence), or "
                            "'auto' (the configured one: madmom when installed).")


class AnalyzeResult(BaseModel):
    target: str
    backend: str
    tempo_bpm: float | None = None
    tempo_alternative_bpm: float | None = Field(None, description="The other tempo octave a listener might "
                                                                  "count; bars are counted at tempo_bpm.")
    tempo_rule: str = Field("", description="Why this tempo octave was chosen.")
    time_signature: str | None = None
    beats_per_bar: int | None = None
    num_beats: int = 0
    offset_s: float | None = Field(None, description="Time of the first downbeat (start of bar 1).")
    downbeats_s: list[float] = Field(default_factory=list)
    key: str | None = None
    chords: list[ChordSpan] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    seconds: float
    state_kept: bool = Field(False, description="True when the session's generator-written values were kept.")
    agreement: dict[str, float | bool] = Field(default_factory=dict)
    summary: str


def analyze(args: AnalyzeArgs, ctx: ToolContext) -> AnalyzeResult:
    """Measure tempo, beats/downbeats and meter, key and chords of the mix or a stem, and remember them.

    Use it for "what key is this in?", "how fast is it?", "what are the chords?", "where is the chorus?",
    or before asking for bars or sections on an uploaded recording (bars need a known tempo and first
    downbeat). Clips shorter than 2 s are refused. Audio is unchanged.
    """
    t0 = time.perf_counter()
    clip = ctx.clip(args.target)
    if clip.duration_s < MIN_DURATION_S:
        raise ToolInputError(f"{args.target!r} lasts {clip.duration_s:.2f}s, too short to analyze: the minimum "
                             f"is {MIN_DURATION_S:g}s (a few beats); analyze a longer clip or the whole mix")
    y = clip.to_mono()
    if float(np.abs(y).max()) < 1e-4:
        raise ToolInputError(f"{args.target!r} is silent ({clip.duration_s:.1f}s, peak below -80 dBFS); "
                             "there is nothing to analyze. Pick another target, e.g. 'mix'")
    backend = choose_backend(args.backend, ctx.settings.analyzer)
    what = tuple(dict.fromkeys(args.what))
    found = _measure(ctx, backend, y, clip.sample_rate, what)
    choice = _tempo_octave(found, what)
    result = _result(args, found, time.perf_counter() - t0)
    if choice is not None:
        result.tempo_alternative_bpm, result.tempo_rule = choice.alternative_bpm, choice.reason
    if "sections" in what:
        result.sections = _sections(y, clip.sample_rate, found)
    result.seconds = round(time.perf_counter() - t0, 3)
    if ctx.state.symbolic:
        result.agreement = agreement(ctx.state, result)
        result.state_kept = True
        _fill_empty(ctx.state, result, what)
        ctx.state.measured = {"backend": backend, "tempo_bpm": result.tempo_bpm, "key": result.key,
                              "time_signature": result.time_signature, "agreement": result.agreement,
                              "tempo_alternative_bpm": result.tempo_alternative_bpm,
                              "sections": [s.model_dump(mode="json") for s in result.sections]}
    else:
        _write(ctx.state, result, found.beats_s, what)
    result.summary = _summary(result)
    return result


def _measure(ctx: ToolContext, backend: str, y: np.ndarray, sample_rate: int, what: tuple[str, ...]):
    """Run the backend; the tempo-octave rule and the sections need beats, downbeats and chords too."""
    ask = set(what)
    if ask & {"tempo", "beats", "sections"}:
        ask |= {"tempo", "beats", "chords"}
    ask_t = tuple(k for k in ("tempo", "beats", "key", "chords") if k in ask)
    if backend == "madmom":
        from bandmate.tools.backends.analysis_madmom import MadmomAnalyzer

        found = ctx.backends.get("analysis:madmom", MadmomAnalyzer).analyze(y=y, sample_rate=sample_rate,
                                                                            what=ask_t)
    else:
        from bandmate.tools.backends.analysis_librosa import analyze_librosa

        found = analyze_librosa(y=y, sample_rate=sample_rate, what=ask_t)
    found.all_chords = list(found.chords)
    if "chords" not in what:
        found.chords = []
    return found


def _tempo_octave(found, what: tuple[str, ...]):
    """Apply the tempo-octave rule (``analysis_tempo``) to the tracked beats, in place."""
    if not found.tempo_bpm or not ({"tempo", "beats", "sections"} & set(what)):
        return None
    from bandmate.tools.backends.analysis_tempo import choose_tempo_octave

    choice = choose_tempo_octave(tempo_bpm=found.tempo_bpm, beats_s=found.beats_s, downbeats_s=found.downbeats_s,
                                 beats_per_bar=found.beats_per_bar, chords=found.all_chords)
    found.tempo_bpm, found.beats_s, found.downbeats_s = choice.tempo_bpm, choice.beats_s, choice.downbeats_s
    return choice


def _sections(y: np.ndarray, sample_rate: int, found) -> list[Section]:
    from bandmate.tools.backends.analysis_sections import segment_sections

    segs = segment_sections(y=y, sample_rate=sample_rate, downbeats_s=found.downbeats_s, beats_s=found.beats_s,
                            beats_per_bar=found.beats_per_bar)
    return [Section(start_s=s.start_s, end_s=s.end_s, label=s.label, name=s.name, confidence=s.confidence,
                    source="measured") for s in segs]


def choose_backend(requested: str, configured: str) -> str:
    """'madmom' or 'librosa': the argument wins over settings; 'auto' means madmom if it imports."""
    choice = requested if requested != "auto" else (configured or "auto")
    if choice not in BACKENDS:
        raise ToolInputError(f"analyzer {choice!r} (from BANDMATE_ANALYZER) is unknown; expected one of "
                             f"{', '.join(BACKENDS)}")
    if choice == "auto":
        from bandmate.tools.backends.madmom_shim import madmom_importable

        return "madmom" if madmom_importable() else "librosa"
    return choice


def _result(args: AnalyzeArgs, found, seconds: float) -> AnalyzeResult:
    per_bar = found.beats_per_bar
    return AnalyzeResult(
        target=args.target, backend=found.backend, tempo_bpm=found.tempo_bpm,
        time_signature=f"{per_bar}/4" if per_bar in (2, 3, 4) else None, beats_per_bar=per_bar,
        num_beats=len(found.beats_s), downbeats_s=found.downbeats_s,
        offset_s=found.downbeats_s[0] if found.downbeats_s else None, key=found.key,
        chords=[ChordSpan(start_s=s, end_s=e, label=lab) for s, e, lab in found.chords],
        seconds=round(seconds, 3), summary="")


def _write(state: StateTable, r: AnalyzeResult, beats_s: list[float], what: tuple[str, ...]) -> None:
    if ("tempo" in what or "beats" in what) and r.tempo_bpm:
        state.tempo_bpm = r.tempo_bpm
        state.time_signature = r.time_signature or state.time_signature
        state.offset_s = r.offset_s if r.offset_s is not None else (beats_s[0] if beats_s else 0.0)
        state.beats_s = list(beats_s)
        state.downbeats_s = list(r.downbeats_s)
        state.tempo_alternative_bpm = r.tempo_alternative_bpm
    if "key" in what and r.key:
        state.key = r.key
    if "chords" in what:
        state.chords = list(r.chords)
    if "sections" in what:
        state.sections = list(r.sections)


def _fill_empty(state: StateTable, r: AnalyzeResult, what: tuple[str, ...]) -> None:
    """Generated sessions: keep what the generator wrote, fill only what it left empty."""
    if state.tempo_bpm is None and r.tempo_bpm and ("tempo" in what or "beats" in what):
        state.tempo_bpm, state.time_signature = r.tempo_bpm, r.time_signature or state.time_signature
        state.offset_s = r.offset_s or 0.0
    if state.key is None and r.key:
        state.key = r.key
    if not state.chords and r.chords:
        state.chords = list(r.chords)
    if not state.sections and r.sections:
        state.sections = list(r.sections)


def agreement(state: StateTable, r: AnalyzeResult) -> dict[str, float | bool]:
    """How the measurement compares with the values the session already holds."""
    out: dict[str, float | bool] = {}
    if state.tempo_bpm and r.tempo_bpm:
        out["tempo"] = abs(r.tempo_bpm - state.tempo_bpm) <= TEMPO_TOLERANCE * state.tempo_bpm
        out["tempo_octave"] = any(abs(r.tempo_bpm - f * state.tempo_bpm) <= TEMPO_TOLERANCE * f * state.tempo_bpm
                                  for f in (0.5, 2.0))
    if state.key and r.key:
        out["key"] = _same_key(state.key, r.key)
    if state.chords and r.chords:
        out["chords"] = round(chord_overlap(state.chords, r.chords), 3)
    written = [s for s in state.sections if s.source == "written"]
    if len(written) > 1 and r.sections:
        out["sections_boundary_f"] = round(boundary_f(written, r.sections), 3)
    return out


def boundary_f(reference: list[Section], estimate: list[Section], window_s: float = 3.0) -> float:
    """Boundary F-measure of two forms (mir_eval.segment.detection, ``window_s`` window, first and last
    boundaries trimmed so that the piece's own start and end earn nothing)."""
    import mir_eval

    ref = np.array([[s.start_s, s.end_s] for s in reference])
    est = np.array([[s.start_s, s.end_s] for s in estimate])
    return float(mir_eval.segment.detection(ref, est, window=window_s, trim=True)[2])


def _same_key(a: str, b: str) -> bool:
    from bandmate.tools.backends.analysis_librosa import spell_key

    try:
        return spell_key(a) == spell_key(b)
    except (ValueError, IndexError):
        return a.strip().lower() == b.strip().lower()


def chord_overlap(written: list[ChordSpan], measured: list[ChordSpan]) -> float:
    """Fraction of the written timeline where the measured chord is the same major/minor triad."""
    import mir_eval

    ref = [(c.start_s, c.end_s, c.label) for c in written if c.end_s > c.start_s]
    est = [(c.start_s, c.end_s, c.label) for c in measured if c.end_s > c.start_s]
    if not ref or not est:
        return 0.0
    ref_i, est_i = np.array([c[:2] for c in ref]), np.array([c[:2] for c in est])
    est_i, est_l = mir_eval.util.adjust_intervals(est_i, [c[2] for c in est], ref_i.min(), ref_i.max(),
                                                  "N", "N")
    intervals, ref_l, est_l = mir_eval.util.merge_labeled_intervals(ref_i, [c[2] for c in ref], est_i, est_l)
    durations = mir_eval.util.intervals_to_durations(intervals)
    comparison = mir_eval.chord.majmin(ref_l, est_l)
    if not np.any(comparison >= 0):
        return 0.0
    return float(mir_eval.chord.weighted_accuracy(comparison, durations))


def _summary(r: AnalyzeResult) -> str:
    parts = [f"{r.target} via {r.backend}:"]
    if r.tempo_bpm:
        alt = f", could be {r.tempo_alternative_bpm:.0f}; bars counted at {r.tempo_bpm:.0f}" \
            if r.tempo_alternative_bpm else ""
        parts.append(f"{r.tempo_bpm:.1f} BPM{alt} in {r.time_signature or '?'} ({r.num_beats} beats, first "
                     f"downbeat {r.offset_s if r.offset_s is not None else 0:.2f}s)")
    if r.key:
        parts.append(f"key {r.key}")
    if r.chords:
        labels = [c.label for c in r.chords if c.label != "N"]
        parts.append("chords " + " ".join(pretty_chord(lab) for lab in labels[:8]) + (" …" if len(labels) > 8 else ""))
    if r.sections:
        parts.append("sections " + " ".join(f"{s.label}{'=' + s.name if s.name else ''}@{s.start_s:.0f}s"
                                            for s in r.sections[:12]))
    if r.state_kept and r.agreement:
        parts.append("(generated session: written values kept; agreement " +
                     ", ".join(f"{k} {v}" for k, v in r.agreement.items()) + ")")
    return " ".join(parts) + f" [{r.seconds:.1f}s]"


# ---- answering questions about chords in bars -------------------------------------------------
_QUALITY_SUFFIX = {"maj": "", "min": "m", "7": "7", "maj7": "maj7", "min7": "m7", "dim": "dim", "aug": "aug",
                   "dim7": "dim7", "hdim7": "m7b5", "sus2": "sus2", "sus4": "sus4", "maj6": "6", "min6": "m6",
                   "9": "9", "maj9": "maj9", "min9": "m9", "minmaj7": "m(maj7)"}
_DEGREE_SEMITONES = {"1": 0, "b2": 1, "2": 2, "b3": 3, "3": 4, "4": 5, "b5": 6, "5": 7, "#5": 8, "6": 9,
                     "b7": 10, "7": 11}


def pretty_chord(label: str) -> str:
    """mir_eval label -> lead-sheet symbol: 'A:min' -> 'Am', 'F:maj7' -> 'Fmaj7', 'C:maj/3' -> 'C/E'."""
    from bandmate.tools.backends.analysis_librosa import PITCH_NAMES, pitch_class

    if label in ("N", "X", ""):
        return "N.C."
    root, _, rest = label.partition(":")
    quality, _, bass = (rest or "maj").partition("/")
    text = root + _QUALITY_SUFFIX.get(quality, quality)
    if bass in _DEGREE_SEMITONES:
        try:
            text += "/" + PITCH_NAMES[(pitch_class(root) + _DEGREE_SEMITONES[bass]) % 12]
        except ValueError:
            pass
    return text


def bar_bounds(state: StateTable, bar: int) -> tuple[float, float]:
    """Start and end (s) of 1-based ``bar``: from measured downbeats when known, else the tempo grid."""
    db = state.downbeats_s
    if len(db) >= 2 and bar < len(db):
        return db[bar - 1], db[bar]
    if len(db) >= 2 and bar == len(db):
        return db[-1], db[-1] + float(np.median(np.diff(db)))
    if not state.tempo_bpm:
        raise ToolInputError("this session has no tempo or downbeats yet, so bars are unknown; run analyze "
                             "(what=['beats']) first")
    return Grid(state.tempo_bpm, meter_beats(state.time_signature), state.offset_s).bars_to_range_s(bar, bar)


def describe_chords_in_bars(state: StateTable, start_bar: int, end_bar: int) -> str:
    """Chords of bars ``start_bar``..``end_bar`` (1-based, inclusive) as 'Fmaj7 | Em7 | Dm7 | Cmaj7'.

    A bar holding two chords shows both ('C G'); chords covering under a fifth of a bar are left out.
    """
    if not state.chords:
        raise ToolInputError("no chords are known for this session yet; run analyze with what=['chords']")
    if start_bar < 1 or end_bar < start_bar:
        raise ToolInputError(f"bar range {start_bar}–{end_bar} is not valid: bars count from 1 and the end "
                             "must not come before the start")
    last_s = max(c.end_s for c in state.chords)
    cells = []
    for bar in range(start_bar, end_bar + 1):
        start, end = bar_bounds(state, bar)
        if start >= last_s:
            raise ToolInputError(f"bar {bar} starts at {start:.2f}s, after the last known chord ends "
                                 f"({last_s:.2f}s); ask about bars 1–{bar - 1}")
        names: list[str] = []
        for c in state.chords:
            overlap = min(end, c.end_s) - max(start, c.start_s)
            if overlap >= 0.2 * (end - start):
                name = pretty_chord(c.label)
                if not names or names[-1] != name:
                    names.append(name)
        cells.append(" ".join(names) or "N.C.")
    return " | ".join(cells)


def _words(a: dict) -> str:
    return "measured " + ", ".join(a.get("what") or ["tempo", "beats", "key", "chords", "sections"])


SPEC = ToolSpec(name="analyze", Args=AnalyzeArgs, Result=AnalyzeResult, fn=analyze, category="analysis",
                words=_words)
