"""Chord parts (keys, guitar, organ, brass, pads, strings): voicings chosen for smooth voice leading,
played in the style's rhythm.

Voice leading: for each chord, every placement of its tones inside the instrument's register is
scored by the total semitone movement from the previous voicing (voices matched low to high), plus a
small pull toward the register's centre so the voicing does not drift; the cheapest wins. Rhythms are
``(offset_beats, length_beats, velocity)`` hits inside a bar, one pattern per phrase.
"""

from __future__ import annotations

import itertools

from bandmate.tools.backends.composer.arrangement import Note
from bandmate.tools.backends.composer.parts import ChordSlot, Frame
from bandmate.tools.backends.composer.theory import Chord

RHYTHMS: dict[str, list[list[tuple[float, float, int]]]] = {
    "comp": [[(0, 1.5, 88), (1.5, 0.5, 72), (2, 1.5, 84), (3.5, 0.5, 70)],
             [(0, 2, 86), (2, 1, 78), (3, 1, 74)], [(0, 4, 84)]],
    "stabs": [[(0.5, 0.25, 92), (1.25, 0.25, 80), (1.75, 0.25, 88), (2.5, 0.25, 90), (3.25, 0.25, 80),
               (3.75, 0.25, 86)],
              [(0, 0.25, 95), (0.75, 0.25, 82), (1.5, 0.25, 88), (2.25, 0.25, 80), (2.75, 0.25, 90),
               (3.5, 0.25, 85)]],
    "offbeat": [[(b + 0.5, 0.3, 92) for b in range(4)]],
    "skank": [[(1, 0.3, 92), (3, 0.3, 92)], [(1, 0.3, 92), (1.5, 0.2, 70), (3, 0.3, 92), (3.5, 0.2, 70)]],
    "charleston": [[(0, 0.75, 88), (1.5, 0.5, 80)], [(0.5, 0.5, 80), (2, 1, 84)], [(1.5, 0.5, 82), (3, 0.75, 84)]],
    "sustain": [[(0, 4, 80)]],
    "strum": [[(0, 1, 92), (1, 0.5, 80), (1.5, 1, 76), (2.5, 0.5, 72), (3, 0.5, 86), (3.5, 0.5, 74)]],
    "power": [[(b / 2, 0.45, 100 if b % 2 == 0 else 86) for b in range(8)]],
    "bossa": [[(0, 0.75, 86), (0.75, 0.75, 76), (1.5, 1, 80), (2.5, 0.75, 78), (3.25, 0.75, 74)]],
    "waltz": [[(1, 0.8, 78), (2, 0.8, 74)]],
    "ballad": [[(0, 4, 84)], [(0, 2, 84), (2, 2, 78)]],
}
ARP_ORDERS = {"up": lambda n: list(range(n)), "updown": lambda n: list(range(n)) + list(range(n - 2, 0, -1)),
              "down": lambda n: list(range(n - 1, -1, -1))}
STYLE_WORDS = (("stab", "stabs"), ("funk", "stabs"), ("offbeat", "offbeat"), ("house", "offbeat"),
               ("skank", "skank"), ("reggae", "skank"), ("jazz", "charleston"), ("charleston", "charleston"),
               ("sustain", "sustain"), ("pad", "sustain"), ("long", "sustain"), ("held", "sustain"),
               ("strum", "strum"), ("power", "power"), ("rock", "power"), ("bossa", "bossa"),
               ("waltz", "waltz"), ("ballad", "ballad"), ("arp", "arpeggio"), ("broken", "arpeggio"),
               ("pick", "arpeggio"), ("comp", "comp"))


def comp_style(style: str, frame: Frame, role: str) -> str:
    s = style.lower()
    for word, name in STYLE_WORDS:
        if word in s:
            return name
    if role == "pad":
        return "sustain"
    if role == "arp":
        return "arpeggio"
    if frame.bpb == 3:
        return "waltz"
    if frame.bpb != 4:
        return "sustain"
    return frame.controls.genre_preset().comp_style if frame.controls.genre else "comp"


def voicing_tones(chord: Chord, voices: int) -> list[int]:
    """Pitch classes to voice: drop the fifth before the third or seventh when there are too many."""
    pcs = [(chord.root + i) % 12 for i in chord.intervals]
    pcs = list(dict.fromkeys(pcs))
    while len(pcs) > voices:
        drop = chord.fifth if chord.fifth in pcs[1:] and len(pcs) > 3 else pcs[-1]
        pcs.remove(drop)
    while len(pcs) < voices:
        pcs.append(chord.root)  # double the root
    return pcs


def voice(chord: Chord, prev: list[int] | None, low: int, high: int, voices: int) -> list[int]:
    """The voicing of ``chord`` in [low, high] closest to ``prev`` (or to the register's centre)."""
    tones = voicing_tones(chord, voices)
    centre = (low + high) / 2
    options = [[p for p in range(low, high + 1) if p % 12 == pc] for pc in tones]
    best, best_cost = None, float("inf")
    for combo in itertools.product(*options):
        v = sorted(combo)
        if len(set(v)) < len(v) or v[-1] - v[0] > 19:
            continue
        cost = abs(sum(v) / len(v) - centre) * (0.35 if prev else 2.0)
        if prev:
            cost += sum(abs(a - b) for a, b in zip(v, prev, strict=False))
        cost += sum(2.0 for a, b in itertools.pairwise(v) if b - a < 3 and a < 55)  # muddy low clusters
        if cost < best_cost:
            best, best_cost = v, cost
    if best is None:
        return sorted(low + (pc - low) % 12 for pc in tones)
    return best


def register(role: str, style: str) -> tuple[int, int, int]:
    """(low, high, voices) for a role/style."""
    if style == "power":
        return 40, 64, 3
    if role == "pad":
        return 55, 79, 4
    if role == "arp":
        return 60, 84, 4
    return 52, 76, 4


def voicings(frame: Frame, role: str, style: str) -> list[tuple[ChordSlot, list[int]]]:
    """One voicing per chord slot from bar 1, each led from the one before."""
    low, high, n = register(role, style)
    out, prev = [], None
    for bar in frame.bars():
        for slot in frame.slots(bar):
            if style == "power":
                root = low + (slot.chord.root - low) % 12
                v = [root, root + 7, root + 12]
            else:
                v = voice(slot.chord, prev, low, high, n)
            out.append((slot, v))
            prev = v
    return out


def compose_harmony(frame: Frame, style: str = "", name: str = "keys", role: str = "comp") -> list[Note]:
    kind = comp_style(style, frame, role)
    if frame.mode == "breakdown" and kind not in ("sustain", "arpeggio"):
        kind = "sustain"
    notes: list[Note] = []
    for slot, v in voicings(frame, role, kind):
        phrase_bar = slot.bar - (slot.bar - 1) % frame.phrase_len()
        rng = frame.rng(name, slot.bar, f"{slot.beat}")
        if kind == "arpeggio":
            notes += _arpeggio(frame, slot, v, rng)
            continue
        choices = RHYTHMS.get(kind, RHYTHMS["comp"])
        pattern = choices[int(frame.rng(name, phrase_bar, "rhythm").integers(len(choices)))]
        if kind == "sustain" or frame.density < 0.2:
            pattern = [(slot.beat, slot.length, 80)]
        for off, length, vel in _fit(pattern, slot):
            v_scale = vel + int(rng.integers(-6, 7))
            strum = 0.012 if kind in ("strum", "power") else 0.0
            for i, p in enumerate(v):
                note = frame.note(p, slot.bar, slot.beat + off, length, v_scale - 3 * i,
                                  gate=0.98 if kind == "sustain" else 0.9)
                delay = strum * (i if int(off * 2) % 2 == 0 else len(v) - 1 - i)  # down- and up-strokes
                notes.append(Note(note.pitch, round(note.start_s + delay, 6),
                                  round(max(note.end_s, note.start_s + delay + 0.02), 6), note.velocity))
    return notes


def _fit(pattern, slot: ChordSlot) -> list[tuple[float, float, int]]:
    """The pattern's hits that fall inside the slot (offsets relative to the bar), cut at its end."""
    out = []
    for off, length, vel in pattern:
        if slot.beat - 1e-9 <= off < slot.beat + slot.length - 1e-9:
            out.append((off - slot.beat, min(length, slot.beat + slot.length - off), vel))
    if not out or out[0][0] > 0.5:
        first = out[0][0] if out else slot.length
        out.insert(0, (0.0, min(first, slot.length), 82))  # sound the chord when it changes
    return out


def _arpeggio(frame: Frame, slot: ChordSlot, v: list[int], rng) -> list[Note]:
    step = 0.25 if frame.density >= 0.5 else 0.5
    tones = v + [v[0] + 12] if frame.density >= 0.5 else v
    order = ARP_ORDERS["updown" if rng.random() < 0.5 else "up"](len(tones))
    count = int(round(slot.length / step))
    return [frame.note(tones[order[i % len(order)]], slot.bar, slot.beat + i * step, step,
                       (88 if i % 4 == 0 else 72) + int(rng.integers(-5, 6)), gate=0.85) for i in range(count)]
