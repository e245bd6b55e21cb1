"""Bass parts: every chord starts with its root (or slash bass) on the chord's first beat, then the
style's rhythm fills the chord with octaves, fifths, sevenths, ghost notes and approach notes.

A pattern is a list of ``(offset_beats, length_beats, token, velocity)`` relative to the chord's
start. Tokens: ``R`` root, ``O`` octave, ``5`` fifth, ``3`` third, ``7`` seventh (minor 7th when the
chord has none), ``A`` approach note into the next chord's root, ``G`` ghost (a short muted root).
One pattern is chosen per phrase, so the groove repeats like a bassist's would.
"""

from __future__ import annotations

from bandmate.tools.backends.composer.arrangement import Note
from bandmate.tools.backends.composer.parts import ChordSlot, Frame, nearest
from bandmate.tools.backends.composer.theory import Chord

LOW, HIGH = 28, 55  # E1 .. G3

PATTERNS: dict[str, list[list[tuple[float, float, str, int]]]] = {
    "root": [[(0, 4, "R", 100)],
             [(0, 1.5, "R", 102), (1.5, 0.5, "R", 80), (2, 1, "R", 96), (3, 0.5, "5", 82), (3.5, 0.5, "A", 86)],
             [(0, 0.5, "R", 104), (0.5, 0.5, "R", 78), (1, 0.5, "R", 90), (1.5, 0.5, "R", 78), (2, 0.5, "R", 98),
              (2.5, 0.5, "R", 78), (3, 0.5, "O", 88), (3.5, 0.5, "5", 80)]],
    "funk": [[(0, 0.5, "R", 112), (0.75, 0.25, "O", 92), (1, 0.25, "G", 45), (1.5, 0.25, "R", 96),
              (2.25, 0.25, "7", 88), (2.5, 0.5, "R", 104), (3.25, 0.25, "O", 90), (3.75, 0.25, "A", 85)],
             [(0, 0.75, "R", 112), (1, 0.25, "G", 45), (1.25, 0.25, "R", 90), (1.75, 0.25, "O", 95),
              (2.5, 0.25, "5", 96), (2.75, 0.25, "7", 90), (3, 0.5, "R", 100), (3.5, 0.25, "G", 40),
              (3.75, 0.25, "A", 85)]],
    "octave": [[(b / 2, 0.5, "R" if b % 2 == 0 else "O", 100 if b % 2 == 0 else 88) for b in range(8)]],
    "offbeat": [[(b + 0.5, 0.45, "R", 100) for b in range(4)],
                [(0, 0.25, "R", 90), *[(b + 0.5, 0.45, "R", 100) for b in range(4)]]],
    "808": [[(0, 1.75, "R", 115), (1.75, 1.0, "R", 100), (2.75, 1.25, "R", 108)],
            [(0, 2.5, "R", 115), (2.75, 0.75, "O", 100), (3.5, 0.5, "R", 95)]],
    "sustain": [[(0, 4, "R", 100)]],
    "reggae": [[(0, 1, "R", 100), (1.5, 0.5, "5", 85), (2, 0.75, "R", 95), (3, 0.5, "O", 85), (3.5, 0.5, "3", 80)]],
    "bossa": [[(0, 1.5, "R", 100), (1.5, 0.5, "5", 85), (2, 1.5, "R", 95), (3.5, 0.5, "5", 85)]],
    "two_beat": [[(0, 2, "R", 100), (2, 2, "5", 92)]],
    "waltz": [[(0, 2, "R", 100), (2, 1, "5", 75)], [(0, 3, "R", 100)]],
    "busy": [[(b / 2, 0.5, "R5O37RAR"[b] if b else "R", 100 - 8 * (b % 2)) for b in range(8)]],
}
STYLE_WORDS = (("walk", "walking"), ("funk", "funk"), ("slap", "funk"), ("disco", "octave"),
               ("octave", "octave"), ("offbeat", "offbeat"), ("off-beat", "offbeat"), ("house", "offbeat"),
               ("808", "808"), ("trap", "808"), ("sustain", "sustain"), ("long", "sustain"), ("pedal", "sustain"),
               ("drone", "sustain"), ("sub", "sustain"), ("reggae", "reggae"), ("dub", "reggae"),
               ("bossa", "bossa"), ("latin", "bossa"), ("country", "two_beat"), ("two", "two_beat"),
               ("waltz", "waltz"), ("busy", "busy"), ("driving", "busy"), ("eighth", "busy"), ("root", "root"),
               ("simple", "root"), ("jazz", "walking"))


def bass_style(style: str, frame: Frame) -> str:
    s = style.lower()
    for word, name in STYLE_WORDS:
        if word in s:
            return name
    if frame.bpb == 3:
        return "waltz"
    return frame.controls.genre_preset().bass_style if frame.controls.genre else "root"


def root_pitch(pc: int, low: int = 33) -> int:
    """The pitch of class ``pc`` in the octave starting at ``low`` (A1 by default)."""
    return low + (pc - low) % 12


def compose_bass(frame: Frame, style: str = "", name: str = "bass") -> list[Note]:
    kind = bass_style(style, frame)
    if frame.mode == "breakdown":
        kind = "sustain"
    low = 28 if kind == "808" else 33
    notes: list[Note] = []
    prev = root_pitch(frame.slots(1)[0].chord.bass_pc, low)
    for bar in frame.bars():
        phrase_bar = bar - (bar - 1) % frame.phrase_len()
        choices = PATTERNS.get(kind, PATTERNS["root"])
        pick = int(frame.rng(name, phrase_bar, "pattern").integers(len(choices)))
        if kind == "root":  # density decides how busy plain root bass is
            pick = min(len(choices) - 1, int(frame.density * len(choices)))
        for slot in frame.slots(bar):
            rng = frame.rng(name, bar, f"{slot.beat}")
            if kind == "walking":
                notes += _walk(frame, slot, prev, rng)
            else:
                notes += _pattern(frame, slot, choices[pick], low, rng)
            prev = notes[-1].pitch if notes else prev
    return notes


def _pattern(frame: Frame, slot: ChordSlot, pattern, low: int, rng) -> list[Note]:
    ch = slot.chord
    root = root_pitch(ch.bass_pc, low)
    nxt = frame.next_chord(slot.bar, slot.beat)
    out = []
    hits = [h for h in pattern if h[0] < slot.length - 1e-9]
    if not hits or hits[0][0] > 0:  # the chord's root always lands on its first beat
        hits = [(0.0, min(1.0, slot.length, hits[0][0] if hits else 1.0), "R", 100), *hits]
    for off, length, token, vel in hits:
        length = min(length, slot.length - off)
        pitch = _token_pitch(token, ch, root, nxt, low, rng)
        gate = 0.5 if token == "G" else 0.92
        v = (vel if token != "G" else 40) + int(rng.integers(-6, 7))
        out.append(frame.note(pitch, slot.bar, slot.beat + off, length, v, gate=gate))
    return out


def _token_pitch(token: str, ch: Chord, root: int, nxt: Chord, low: int, rng) -> int:
    if token in ("R", "G"):
        return root
    if token == "O":
        return root + 12 if root + 12 <= HIGH else root
    if token == "5":
        return nearest([ch.fifth], root + 7, LOW, HIGH)
    if token == "3":
        return nearest([ch.third if ch.third is not None else ch.fifth], root + 4, LOW, HIGH)
    if token == "7":
        seventh = next(((ch.root + i) % 12 for i in (10, 11) if i in ch.intervals), (ch.root + 10) % 12)
        return nearest([seventh], root + 10, LOW, HIGH)
    target = root_pitch(nxt.bass_pc, low)
    return target + (1 if rng.random() < 0.5 else -1)  # 'A': a semitone above or below the next root


def _walk(frame: Frame, slot: ChordSlot, prev: int, rng) -> list[Note]:
    """Quarter notes: root first, chord tones moving toward the next root, a chromatic approach last."""
    ch = slot.chord
    root = nearest([ch.bass_pc], prev if slot.beat or slot.bar > 1 else 40, 31, 50)
    nxt = frame.next_chord(slot.bar, slot.beat)
    target = nearest([nxt.bass_pc], root, 31, 50)
    beats = max(1, int(round(slot.length)))
    line = [root]
    scale = set(frame.key.scale) | set(ch.pitch_classes)
    for i in range(1, beats):
        if i == beats - 1:
            line.append(target + (1 if target <= line[-1] else -1))
            continue
        direction = 1 if target > line[-1] else -1
        if abs(target - line[-1]) <= 2:
            direction = -direction if rng.random() < 0.5 else direction
        pool = ch.pitch_classes if i % 2 == 0 else tuple(scale)
        steps = [d for d in range(1, 6) if (line[-1] + direction * d) % 12 in pool]
        line.append(line[-1] + direction * (steps[0] if steps else 2))
    line = [p + 12 if p < LOW else p - 12 if p > HIGH else p for p in line]
    return [frame.note(p, slot.bar, slot.beat + i, 1.0, 96 - 6 * (i % 2) + int(rng.integers(-5, 6)))
            for i, p in enumerate(line)]
