"""Drum parts: a groove per feel, varied per bar, with fills at phrase ends and crashes after them.

Pitches follow the General-MIDI percussion map. A groove is a table of hits for one bar,
``{drum: [(beat, velocity, optional)]}``; optional hits (ghost notes, extra kicks) play with a
probability that grows with the density, drawn per bar from the seeded generator.
"""

from __future__ import annotations

from bandmate.tools.backends.composer.arrangement import Note
from bandmate.tools.backends.composer.parts import Frame

KICK, STICK, SNARE, CLAP, CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 36, 37, 38, 39, 42, 44, 46
CRASH, RIDE, CRASH2, LOW_TOM, MID_TOM, HIGH_TOM, FLOOR_TOM, SHAKER = 49, 51, 57, 45, 47, 50, 41, 70

Hit = tuple[float, int, bool]  # (beat, velocity, optional)


def _eighths(n: int, vel: int = 80, accent: int = 12) -> list[Hit]:
    return [(i / 2, vel + (accent if i % 2 == 0 else 0), False) for i in range(n * 2)]


def _sixteenths(n: int, vel: int = 70) -> list[Hit]:
    return [(i / 4, vel + (14 if i % 4 == 0 else 6 if i % 2 == 0 else 0), False) for i in range(n * 4)]


def groove(feel: str, bpb: int) -> dict[int, list[Hit]]:
    """The basic one-bar pattern for a feel (4/4 unless the feel or meter says otherwise)."""
    if bpb == 3 or feel == "waltz":
        return {KICK: [(0, 100, False), (1.5, 60, True)], SNARE: [(1, 60, False), (2, 60, False)],
                CLOSED_HAT: [(b, 70, False) for b in range(bpb)]}
    if bpb != 4:
        half = bpb // 2 if bpb % 2 == 0 else (bpb + 1) // 2
        return {KICK: [(0, 105, False), (half + 1, 75, True)], SNARE: [(half, 95, False)],
                CLOSED_HAT: [(b, 72 + (10 if b in (0, half) else 0), False) for b in range(bpb)]}
    table: dict[str, dict[int, list[Hit]]] = {
        "straight": {KICK: [(0, 110, False), (2, 100, False), (2.5, 85, True)], SNARE: [(1, 105, False),
                     (3, 105, False)], CLOSED_HAT: _eighths(4)},
        "rock": {KICK: [(0, 115, False), (1.5, 90, True), (2, 110, False), (2.5, 100, False)],
                 SNARE: [(1, 118, False), (3, 118, False)], CLOSED_HAT: _eighths(4, 88)},
        "four_on_the_floor": {KICK: [(b, 115, False) for b in range(4)], CLAP: [(1, 100, False),
                              (3, 100, False)], OPEN_HAT: [(b + 0.5, 85, False) for b in range(4)],
                              CLOSED_HAT: [(b + 0.25, 55, True) for b in range(4)] +
                              [(b + 0.75, 55, True) for b in range(4)]},
        "half_time": {KICK: [(0, 110, False), (1.75, 80, True), (2.5, 90, False)], SNARE: [(2, 112, False)],
                      CLOSED_HAT: _eighths(4, 72), STICK: [(3.5, 45, True)]},
        "double_time": {KICK: [(0, 110, False), (1, 100, False), (2, 110, False), (3, 100, False)],
                        SNARE: [(0.5, 105, False), (1.5, 105, False), (2.5, 105, False), (3.5, 105, False)],
                        CLOSED_HAT: _sixteenths(4)},
        # steady and pushing, played hard: a kick on every beat under a backbeat and sixteenth-note hi-hats
        "driving": {KICK: [(b, 118 - 8 * (b % 2), False) for b in range(4)] + [(3.5, 92, True)],
                    SNARE: [(1, 120, False), (3, 120, False)], CLOSED_HAT: _sixteenths(4, 80)},
        # the bare skeleton: kick on 1 and 3, snare on 2 and 4, a hi-hat on each beat
        "sparse": {KICK: [(0, 105, False), (2, 98, False)], SNARE: [(1, 100, False), (3, 100, False)],
                   CLOSED_HAT: [(b, 66 + (8 if b == 0 else 0), False) for b in range(4)]},
        "swing": {RIDE: [(0, 90, False), (1, 95, False), (1.5, 70, False), (2, 90, False), (3, 95, False),
                         (3.5, 70, False)], PEDAL_HAT: [(1, 75, False), (3, 75, False)],
                  KICK: [(b, 45, True) for b in range(4)], SNARE: [(1.5, 40, True), (3.5, 45, True)]},
        "shuffle": {KICK: [(0, 110, False), (2, 105, False), (2.5, 80, True)], SNARE: [(1, 108, False),
                    (3, 108, False)], CLOSED_HAT: _eighths(4, 78)},
        "breakbeat": {KICK: [(0, 115, False), (0.5, 95, False), (2.5, 105, False), (2.75, 80, True)],
                      SNARE: [(1, 112, False), (1.75, 55, True), (3, 112, False), (3.25, 55, True),
                              (3.75, 60, True)], CLOSED_HAT: _eighths(4, 76)},
        "funk": {KICK: [(0, 115, False), (0.75, 90, False), (2.5, 100, False), (2.75, 80, True)],
                 SNARE: [(1, 110, False), (3, 110, False), (1.75, 40, True), (2.25, 38, True), (3.5, 40, True)],
                 CLOSED_HAT: _sixteenths(4), OPEN_HAT: [(3.5, 80, True)]},
        "boom_bap": {KICK: [(0, 115, False), (0.75, 85, True), (2.25, 95, False), (2.5, 100, False)],
                     SNARE: [(1, 112, False), (3, 112, False)], CLOSED_HAT: _eighths(4, 74)},
        "trap": {KICK: [(0, 118, False), (1.75, 95, True), (2.75, 100, False)], CLAP: [(2, 115, False)],
                 CLOSED_HAT: _sixteenths(4, 62), OPEN_HAT: [(3.5, 75, True)]},
        "one_drop": {KICK: [(2, 105, False)], STICK: [(2, 100, False)], CLOSED_HAT: _eighths(4, 70),
                     OPEN_HAT: [(3.5, 70, True)]},
        "bossa": {KICK: [(0, 95, False), (1.5, 80, False), (2, 95, False), (3.5, 80, False)],
                  STICK: [(0, 85, False), (0.75, 80, False), (1.5, 80, False), (2.5, 80, False),
                          (3.25, 80, False)], CLOSED_HAT: _eighths(4, 60)},
        "train": {KICK: [(0, 105, False), (2, 100, False)], SNARE: _sixteenths(4, 55),
                  CLOSED_HAT: [(1, 80, False), (3, 80, False)]},
        "toms": {KICK: [(0, 115, False), (2, 110, False)], FLOOR_TOM: [(0, 105, False), (1.5, 90, False),
                 (2, 105, False), (3, 95, False), (3.5, 85, True)], LOW_TOM: [(1, 90, False), (3, 95, False)],
                 SHAKER: _eighths(4, 55)},
    }
    if feel == "none":
        return {KICK: [(0, 90, False), (2, 80, True)], STICK: [(1, 60, False), (3, 60, False)],
                SHAKER: _eighths(4, 50)}
    return table.get(feel, table["straight"])


def compose_drums(frame: Frame, style: str = "", name: str = "drums") -> list[Note]:
    """Every bar from 1 to ``frame.last_bar``; the caller cuts out the window it wants."""
    feel = feel_from_style(style) or frame.feel
    base = groove(feel, frame.bpb)
    notes: list[Note] = []
    for bar in frame.bars():
        rng = frame.rng(name, bar)
        fill_from = _fill_start(frame, bar, feel)
        if frame.mode == "breakdown":
            notes += _breakdown_bar(frame, bar, rng)
            continue
        for drum, hits in base.items():
            for beat, vel, optional in hits:
                if beat >= fill_from:
                    continue  # the fill owns the end of the bar
                if optional and rng.random() > frame.density:
                    continue
                v = vel + rng.integers(-8, 9)
                if feel == "trap" and drum == CLOSED_HAT and rng.random() < 0.08 * frame.density:
                    notes += [frame.note(drum, bar, beat + k / 8, 1 / 8, v - 10) for k in range(2)]
                    continue
                notes.append(frame.note(drum, bar, beat, 0.25, v))
        if fill_from < frame.bpb:
            notes += _fill(frame, bar, fill_from, rng)
        if frame.is_phrase_start(bar) and (bar > 1 or frame.mode == "drop") and feel != "none":
            notes.append(frame.note(CRASH if feel != "swing" else CRASH2, bar, 0.0, 1.0, 100))
    return notes


def feel_from_style(style: str) -> str | None:
    s = style.lower().replace("breakdown", "")  # a breakdown is a mode of the bar, not the breakbeat feel
    for word, feel in (("four on the floor", "four_on_the_floor"), ("half", "half_time"), ("driv", "driving"),
                       ("sparse", "sparse"), ("simpl", "sparse"), ("minimal", "sparse"), ("sustain", "sparse"),
                       ("jazz", "swing"),
                       ("swing", "swing"), ("shuffle", "shuffle"), ("break", "breakbeat"), ("funk", "funk"),
                       ("rock", "rock"), ("trap", "trap"), ("reggae", "one_drop"), ("bossa", "bossa"),
                       ("hip", "boom_bap"), ("boom", "boom_bap"), ("disco", "four_on_the_floor"),
                       ("house", "four_on_the_floor"), ("double", "double_time"), ("straight", "straight")):
        if word in s:
            return feel
    return None


def _fill_start(frame: Frame, bar: int, feel: str) -> float:
    """Beat where this bar's fill begins (the bar length when there is none)."""
    if bar not in frame.fill_bars or feel == "none":
        return float(frame.bpb)
    long_fill = bar % (2 * frame.phrase_len()) == 0 or frame.mode in ("build", "fill")
    return frame.bpb - (2.0 if long_fill and frame.bpb >= 4 else 1.0)


def _fill(frame: Frame, bar: int, start: float, rng) -> list[Note]:
    """Sixteenths moving down the toms, a doubled stroke before the last one, growing louder."""
    toms = [SNARE, HIGH_TOM, MID_TOM, LOW_TOM, FLOOR_TOM]
    steps = int(round((frame.bpb - start) * 4))
    roll = frame.mode == "build"
    notes = []
    for i in range(steps):
        beat = start + i / 4
        drum = SNARE if roll else toms[min(len(toms) - 1, (i * len(toms)) // steps)]
        if not roll and rng.random() < 0.25 and 0 < i < steps - 1:
            drum = SNARE
        vel = 70 + int(45 * (i + 1) / steps) + int(rng.integers(-5, 6))
        notes.append(frame.note(drum, bar, beat, 0.25, vel))
        if i == steps - 2 or (roll and i >= steps // 2):
            notes.append(frame.note(drum, bar, beat + 0.125, 0.125, vel - 12))  # the pickup before the crash
    notes.append(frame.note(KICK, bar, start, 0.25, 100))
    return notes


def _breakdown_bar(frame: Frame, bar: int, rng) -> list[Note]:
    """Space: a kick on the one, a soft hat pulse, and a snare build in the last bar of the window."""
    notes = [frame.note(KICK, bar, 0.0, 0.5, 95)]
    notes += [frame.note(CLOSED_HAT, bar, b + 0.5, 0.25, 45 + int(rng.integers(0, 8))) for b in range(frame.bpb)]
    if bar == frame.last_bar:
        notes += [frame.note(SNARE, bar, frame.bpb - 1 + i / 4, 0.25, 50 + 12 * i) for i in range(4)]
    return notes
