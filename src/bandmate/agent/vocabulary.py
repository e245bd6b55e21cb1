"""Closed word lists the parser needs to be exact about: stems and their nicknames, verbs, numbers."""

from __future__ import annotations

# nickname -> stem name (includes common typos); multi-word keys are matched before single words
STEM_ALIASES: dict[str, str] = {
    "drums": "drums", "drum": "drums", "drumz": "drums", "durms": "drums", "kit": "drums", "beat": "drums",
    "beats": "drums", "kick": "drums", "snare": "drums", "hats": "drums", "hihat": "drums",
    "hi-hat": "drums", "hi-hats": "drums", "cymbals": "drums", "percussion": "drums", "perc": "drums",
    "bass": "bass", "base": "bass", "bas": "bass", "bassline": "bass", "bass line": "bass", "sub": "bass",
    "low end": "bass", "808": "bass",
    "vocals": "vocals", "vocal": "vocals", "vox": "vocals", "voice": "vocals", "voices": "vocals",
    "singer": "vocals", "singing": "vocals", "vocls": "vocals", "vocal track": "vocals",
    "keys": "keys", "key's": "keys", "keyz": "keys", "kees": "keys", "vocalz": "vocals", "voxx": "vocals",
    "gutar": "guitar", "guitr": "guitar", "basss": "bass", "drms": "drums", "keyboard": "keys", "keyboards": "keys", "piano": "keys",
    "rhodes": "keys", "electric piano": "keys", "ep": "keys", "organ": "keys", "chords": "keys",
    "guitar": "guitar", "guitars": "guitar", "gtr": "guitar", "gitar": "guitar",
    "lead": "lead", "melody": "lead", "lead line": "lead", "solo line": "lead", "synth lead": "lead",
    "pad": "pad", "pads": "pad", "synth pad": "pad",
    "strings": "strings", "string": "strings", "violins": "strings", "cello": "strings",
    "orchestra": "strings", "brass": "brass", "horns": "brass", "trumpet": "brass",
    "violin": "strings", "viola": "strings", "fiddle": "strings", "cellos": "strings", "string section": "strings",
    "trombone": "brass", "trumpets": "brass", "acoustic guitar": "guitar", "electric guitar": "guitar",
    "grand piano": "keys", "pianos": "keys",
    # instruments a 4-stem separation has no stem for: they live in 'other' (see agent/targets.py)
    "the vibes": "vibes", "vibraphone": "vibes", "vibraphones": "vibes", "marimba": "vibes",
    "xylophone": "vibes", "sax": "sax", "saxophone": "sax", "saxes": "sax", "flute": "winds",
    "clarinet": "winds", "woodwinds": "winds",
    "other": "other",
    "mix": "mix", "whole mix": "mix", "master": "mix", "everything": "mix", "whole thing": "mix",
    "whole track": "mix", "full mix": "mix", "song": "mix", "track": "mix",
}

# words that start a new action when they follow "and"/","
ACTION_VERBS = (
    "make", "add", "throw", "remove", "drop", "cut", "take", "turn", "bring", "give", "put", "boost", "lower", "raise",
    "pan", "mute", "unmute", "solo", "extend", "continue", "double", "fade", "trim", "speed", "slow",
    "transpose", "shift", "pitch", "replace", "swap", "change", "set", "push", "pull", "tame", "widen",
    "narrow", "tighten", "compress", "separate", "isolate", "extract", "brighten", "darken", "warm",
    "clean", "thin", "fatten", "open", "close", "undo", "redo", "then", "also", "lose", "kill", "keep",
    "let", "create", "generate", "write", "compose", "insert", "inpaint", "regenerate", "redo", "fill",
)

NUMBER_WORDS = {"one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "couple": 2, "three": 3, "four": 4,
                "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                "twelve": 12, "sixteen": 16, "thirty-two": 32, "half": 0.5}

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "last": -1, "final": -1}

QUESTION_TOPICS = {
    "key": ("key", "scale", "tonality", "tonal center"),
    "tempo": ("tempo", "bpm", "how fast", "speed"),
    "chords": ("chord", "chords", "harmony", "progression"),
    "time_signature": ("time signature", "meter", "metre", "4/4", "3/4", "6/8", "waltz time"),
    "loudness": ("loud", "lufs", "loudness", "level"),
    "length": ("how long", "length", "duration", "how many bars"),
    "stems": ("stems", "instruments", "what's in", "what is in", "tracks"),
    "playing": ("playing", "plays", "going on", "happening", "what's in bar", "what is in bar"),
    "changed": ("did you change", "did you just", "did you do", "what changed", "what have you done",
                "last change", "last edit"),
}
