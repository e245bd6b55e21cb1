"""Timbre words the way listeners use them: each recipe's EQ moves the bands the crowd studies moved.

``CROWD`` is this project's own reading of the published crowd EQ curves (SocialEQ, Cartwright & Pardo
2013, as shown in the Audealize word map, Seetharaman & Pardo 2016): for each word, a few frequencies
where most listeners' curve clearly rose or fell, and how many sessions taught the word. No crowd data
is stored here. Each entry's EQ steps run at intensity 1.0 on pink noise through ``run_tool`` and the
measured response (1/3 octave around each frequency) must rise or fall by at least ``MIN_DB`` there;
the non-EQ steps (saturation, transient shaping, compression) are left out, since the curves are EQ.
Where the textbook reading differs (bright = treble shelf, dark = treble cut, hollow = mid scoop,
warm = low shelf + treble cut), these points are the ones it missed.
"""

from __future__ import annotations

import pytest

from bandmate.core.measures import eq_response_db
from bandmate.core.testsignals import noise
from bandmate.memory.lexicon import load_lexicon, scaled_recipe
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool

MIN_DB = 0.5
# term: (sessions that taught the word, {freq_hz: +1 raised / -1 lowered by the crowd})
CROWD = {
    "warm": (122, {100: +1, 200: +1, 1200: -1, 2000: -1}),
    "cold": (59, {100: -1, 200: -1, 1500: +1, 2500: +1}),
    "soft": (53, {800: -1}),
    "bright": (35, {80: -1, 150: -1, 3000: +1, 5000: +1}),
    "harsh": (31, {3500: +1}),
    "heavy": (26, {100: +1}),
    "smooth": (23, {3000: -1, 4000: -1}),
    "clear": (20, {60: -1, 2000: +1, 3000: +1}),
    "crisp": (16, {80: -1, 5000: +1, 8000: +1}),
    "tinny": (16, {80: -1, 200: -1, 2000: +1}),
    "mellow": (15, {100: +1, 1200: -1, 2000: -1}),
    "dark": (14, {100: +1, 200: +1, 1500: -1, 3000: -1}),
    "deep": (12, {50: +1, 120: +1, 1500: -1}),
    "muffled": (9, {100: +1, 1500: -1}),
    "shrill": (8, {100: -1, 1500: +1}),
    "rich": (7, {400: +1, 8000: -1}),
    "airy": (6, {100: -1, 200: -1, 4000: +1, 8000: +1}),
    "hollow": (6, {80: -1, 200: -1, 4000: +1}),
    "raspy": (6, {150: -1, 2000: +1, 5000: +1}),
    "full": (4, {100: +1, 200: +1, 8000: -1}),
    "fat": (4, {100: +1, 4000: -1}),
    "metallic": (4, {120: -1, 3000: +1}),
    "muddy": (3, {250: +1, 8000: -1}),
    "punchy": (3, {80: +1}),
}


def test_every_crowd_word_is_a_lexicon_entry_that_names_its_source():
    lex = load_lexicon()
    missing = [t for t in CROWD if t not in lex]
    assert not missing, f"crowd words without an entry: {missing}"
    unsourced = [t for t in CROWD if not (lex[t].source or "").strip()]
    assert not unsourced, f"entries following a crowd curve must say so in 'source': {unsourced}"


@pytest.mark.parametrize("term", sorted(CROWD))
def test_recipe_eq_moves_the_bands_the_crowd_moved(term, make_session):
    entry = load_lexicon()[term]
    steps = [(tool, args) for tool, args in scaled_recipe(entry, 1.0) if tool == "eq"]
    assert steps, f"{term}: the crowd curve is an EQ curve but the recipe has no eq step"
    pink = noise(3.0, amplitude=0.05, channels=2, seed=5, color="pink")
    s = make_session(mix=pink)
    for tool, args in steps:
        run_tool(default_registry(), tool, {**args, "target": "mix"}, store=s.store, session_id=s.id)
    _, points = CROWD[term]
    freqs = sorted(points)
    response = dict(zip(freqs, eq_response_db(s.mix(1), s.mix(), freqs), strict=True))
    wrong = {f: round(float(db), 2) for f, db in response.items() if points[f] * db < MIN_DB}
    assert not wrong, (f"{term}: the recipe does not move these bands the way the crowd did "
                       f"(Hz: dB, crowd {points}): {wrong}")
