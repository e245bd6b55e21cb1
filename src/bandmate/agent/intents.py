"""Actions named by a request ("remove the drums", "extend by 8 bars"): exact cues and plan steps.

Each builder turns a parsed Clause into tool calls with explanations and expected measurable changes.
Vague qualities ("warmer") are not here: they come from the lexicon (see ``offline.py``).
"""

from __future__ import annotations

import re

from bandmate.agent import regions
from bandmate.agent.parser import Clause, find_stems
from bandmate.agent.plan import ExpectedChange, ToolCall
from bandmate.agent.targets import as_bars, said_band, target_of
from bandmate.agent.verify import NEW_STEM
from bandmate.agent.view import SessionView
from bandmate.agent.vocabulary import STEM_ALIASES

# "bass up a bit", "the keys down a touch": a part and a direction, nothing else, is its level
_PARTS = "|".join(re.escape(a) for a in sorted(STEM_ALIASES, key=len, reverse=True) if a not in ("it", "this"))
_PART_MOVED = (r"^(?:the |my )?(?:" + _PARTS.replace("{", "{{").replace("}", "}}") +
               r") {way}(?: (?:a )?(?:bit|touch|little|hair|tad|notch|smidge|lot))?$")

# Intent -> regex cue on the normalised clause. Checked in this order; the first match wins.
CUES: list[tuple[str, str]] = [
    ("generate", r"\b(start over|from scratch|scrap (this|that|it|everything)|new (song|track|loop|beat|idea|groove)|"
                 r"(write|make|give) me (a|an|\d+ bars|some)\b.*\b(beat|groove|loop|track|song|tune|ballad|jam))"),
    ("replace_stem", r"\binstead\b|\b(another|a different|a new|new) (\w+ )?(take|version|part|pattern|line|"
                     r"bassline|riff|groove|beat|melody|progression)\b"),
    ("separate", r"\b(separate|split (it|this|the track|the song)? ?into stems|unmix|stem (it|this) out)\b"),
    ("unmute", r"\b(unmute|bring (it |them |the \w+ )?back|turn (it |them |the \w+ )?back on)\b"),
    ("mute", r"\b(mute|silence|switch off)\b"),
    ("extract_stem", r"\b(solo|isolate|extract|acapella|a cappella|on (its|their) own|by itself|"
                     r"just the|only (keep )?the|(?<!bars )(?<!bar )\b(?!\d)\w+ only\b(?!\s+(in|for|during|on|at|from|over)\b)|just (want to hear )?(the )?\w+( and (the )?\w+)?$)"),
    ("remove_stem", r"\bkaraoke\b|\binstrumental (version|mix|take)\b|\btake (the |that )?\w+ out\b|\bno \w+ in bars?\b|"
                    r"\b(remove|get rid of|lose|take out|kill|delete|drop) (the |all the |that )?"
                    r"(drums?|bass|vocals?|vox|keys|piano|guitars?|lead|pad|strings|brass|percussion|other|"
                    r"melody|synth)\b(?!\s+(an? |one |by )?(octave|semitones?|half[- ]step|whole step|step|\d))|\bwithout (the )?\w+\b|\bno more (drums|bass|vocals|keys|guitar|pad|strings)\b"),
    ("replace_stem", r"\b(replace|swap|rewrite|change|try another|different) (the )?\w+( part| line| pattern)?"
                     r" (with|for|into|to|in)\b|\btry another \w+ part\b"),
    ("room", r"\b(?:put|place|set|sit|drop)\b.{0,30}\b(?:in|into|inside)\s+an?\s+(?:[\w,-]+\s+){0,3}?"
             r"(?:room|hall|church|cathedral|chamber|club|arena|stadium)\b|\bgive (?:it|them|the \w+) an? "
             r"(?:[\w,-]+\s+){0,3}?(?:room|hall|church|cathedral|chamber|club|arena)\b"),
    ("limit", r"\b(peaks? (under|below|at|to)|ceiling|(no|without|stop (it )?|avoid( any)?) clipping|"
              r"it'?s clipping|brickwall|limit(er| it| the peaks))\b"),
    ("inpaint", r"\b(fill(?!\s+(it |them |that |the sound |the \w+ )?out)|breakdown(?!\s+(vibe|feel|mood|style))|regenerate|redo (bar|bars|the)|variation|rewrite (bar|bars|the))\b"),
    ("continue", r"\b(extend|continue|keep going|make it longer|(?<!notes )longer|\d+ more bars|more bars|run on|"
                 r"twice as long|double the length|go on for|another (couple|few|\d+|two|four|eight)( of)? bars)\b"),
    ("add_stem", r"\b(add|bring in|layer|throw in|introduce|put (a|an|some)|write (a|an|some)|"
                 r"(throw|bring|drop) (a|an|some) [\w -]{1,30}? in)\b"),
    ("transpose", r"\b(transpose|key change|change the key|semitones?|half[- ]steps?|whole step|whole tone|octave|"
                  r"(up|down|higher|lower) (a|one|two|three) (whole[- ])?tones?|"
                  r"pitch (it )?(up|down)|(minor|major|perfect) (second|third|fourth|fifth|sixth|seventh)|"
                  r"(up|down) an? (fourth|fifth|tritone))\b"),
    ("tempo", r"\b(bpm|tempo|faster|slower|speed (it )?up|slow (it )?down|uptempo|half[- ]?speed|double[- ]?time|"
              r"rushing|rushed|rushes|dragging|drags|too fast|too slow|sluggish)\b"),
    ("trim", r"\b(trim|cut off|chop off|shorten|cut the (first|last|intro|outro)|"
             r"cut (it|this|the song|the loop|the track) (down )?to|start (the song|it|the track|the loop) (at|from) bar|"
             r"(cut|end|stop) (it|this|the song|the loop|the track|everything) (off )?after (bar|the))\b"),
    ("fade", r"\bfade[sd]? ?(in|out|up|down)?\b"),
    ("pan", r"\bpan\b|\b(to|on) the (left|right)\b|\bcent(er|re) the\b|\bhard (left|right)\b"),
    ("region", regions.CUE),
    ("louder", r"\bmore (of )?(the )?(?!space|reverb|room|air|width|depth|punch|warmth|glue|energy)\w+ in the mix\b|\b(louder|turn (it |them |the \w+ )?up|bring (it |them |the \w+ )?up|boost the level|"
               r"push (it |the \w+ )?(up|forward)|can't hear|cannot hear|buried)\b|" + _PART_MOVED.format(way="up")),
    ("quieter", r"\b(quieter|softer(?![,\s]+(\w+\s+)?(tone|sound|timbre|attack))|turn (it |them |the \w+ )?down|bring (it |them |the \w+ )?down|too loud|"
                r"drowning|take (it |them |the \w+ )?down)\b|" + _PART_MOVED.format(way="down")),
    ("generate", r"\b(start over|from scratch|new (song|track|loop|beat|idea)|generate|compose|"
                 r"make me an?|give me an?|create an?|write an?)\b"),
]


def cue_intent(clause: Clause, view: SessionView) -> str | None:
    if clause.history:
        return clause.history[0] if clause.history[0] != "checkout" else "checkout"
    if clause.question:
        return "question"
    t = clause.text
    for intent, pat in CUES:
        if re.search(pat, t):
            if intent == "add_stem" and not _is_instrument(clause.instrument):
                continue
            if intent in ("remove_stem", "extract_stem", "replace_stem", "mute", "pan") and not clause.stems:
                continue  # "without changing the pitch" / "just the first 2 bars" name no part
            if intent == "replace_stem" and view.stems and not set(clause.stems) & set(view.stems):
                if _is_instrument(clause.instrument):
                    return "add_stem"  # "add a guitar instead" when there is no guitar to replace
                continue
            if intent == "tempo" and clause.stems and not re.search(r"\b(bpm|tempo|faster|slower|speed|slow)\b", t):
                continue  # "the drums are dragging": the player's timing, not the song's tempo
            if intent == "generate" and not view.empty and not re.search(
                    r"start over|from scratch|scrap|new (song|track|loop|beat|idea|groove)|\bme (a|an|\d)", t):
                continue
            return intent
    if clause.key and re.search(r"\b(put|make|change|move|shift|take|play)\b", t):
        return "transpose"
    if clause.tempo_bpm and not view.empty:
        return "tempo"
    if "gain_db" in clause.numbers and "freq_hz" not in clause.numbers:
        return "louder" if clause.numbers["gain_db"] > 0 else "quieter"
    if "gain_db" in clause.numbers and "freq_hz" in clause.numbers:
        return "eq_exact"
    return None


def _is_instrument(name: str | None) -> bool:
    """Whether the composer can write a part for ``name`` ('walking bass' yes, 'sizzle' no)."""
    if not name:
        return False
    from bandmate.core.errors import ToolInputError
    from bandmate.tools.backends.composer.presets import instrument

    try:
        instrument(name)
    except ToolInputError:
        return False
    return True


def bar_args(clause: Clause, view: SessionView) -> dict:
    """start/end arguments for the clause's range (bars resolved against the session length)."""
    r = clause.range
    if r is None:
        return {}
    if r.unit == "bars":
        a, b = r.resolve(total_bars=view.total_bars)
        return {"start_bar": int(a), "end_bar": int(b)}
    a, b = r.resolve(total_s=view.duration_s)
    return {"start_s": round(a, 3), "end_s": round(b, 3)}


def exp(measure: str, direction: str, target: str, min_change: float | None = None) -> ExpectedChange:
    return ExpectedChange(measure=measure, direction=direction, target=target, min_change=min_change)


def build(intent: str, clause: Clause, view: SessionView) -> tuple[list[ToolCall], str, list[ExpectedChange]]:
    """Steps, explanation and expected changes for an action intent."""
    fn = globals().get(f"_build_{intent}")
    if fn is None:
        raise KeyError(intent)
    return fn(clause, view)


def _build_separate(c, v):
    return [ToolCall(tool="separate", args={}, why="split the mix into drums, bass, vocals and other")], \
        "Splitting the mix into stems so each part can be edited on its own.", []


def _stem_required(c, v, verb):
    t = target_of(c, v)
    if t != "mix":
        return t
    if verb == "unmute":  # "bring it back": the one muted stem
        muted = [n for n, strip in v.state.mixer.items() if strip.mute]
        if len(muted) == 1:
            return muted[0]
    raise NeedsStem(verb, v.stems)


class NeedsStem(Exception):
    """The action names no stem and the session does not make one obvious: ask which."""

    def __init__(self, verb: str, stems: list[str]):
        super().__init__(verb)
        self.verb, self.stems = verb, stems


def _silence_range(c, v, stem, verb):
    """'take the lead out for the first 2 bars': the part drops out in that range only."""
    args = {"target": stem, "gain_db": -60.0, **bar_args(c, v)}
    return [ToolCall(tool="gain", args=args, why=f"{verb} the {stem} in that range")], \
        f"Taking the {stem} out in that range only; it plays as before elsewhere.", \
        [exp("loudness_lufs", "down", stem)]


def _build_remove_stem(c, v):
    stem = _stem_required(c, v, "remove")
    if c.range is not None:
        return _silence_range(c, v, stem, "silence")
    # on a mix-only session separation adds stems first, so a stem count would not show the removal
    expected = [exp("stem_count", "down", "mix")] if v.stems else []
    return [ToolCall(tool="remove_stem", args={"stem": stem}, why=f"take the {stem} out")], \
        f"Removing the {stem}; every other part stays exactly as it is.", expected


def _build_extract_stem(c, v):
    stem = _stem_required(c, v, "solo")
    named = [x for x in c.stems if x != "mix"]
    args = {"stem": stem, **({"also_keep": named[1:]} if len(named) > 1 else {})}
    parts = " and ".join(named) if len(named) > 1 else stem
    return [ToolCall(tool="extract_stem", args=args, why=f"keep only the {parts}")], \
        f"Keeping only the {parts}.", []


def _build_mute(c, v, mute=True):
    stem = _stem_required(c, v, "mute" if mute else "unmute")
    if mute and c.range is not None:
        return _silence_range(c, v, stem, "mute")
    word = "Muting" if mute else "Unmuting"
    return [ToolCall(tool="mix", args={"stem": stem, "mute": mute}, why=f"{word.lower()} {stem}")], \
        f"{word} the {stem} in the mix (the stem itself is kept).", []


def _build_unmute(c, v):
    return _build_mute(c, v, mute=False)


def _build_replace_stem(c, v):
    stem = _stem_required(c, v, "replace")
    m = re.search(r"\b(?:with|for|into|to|in)\s+(?:a |an |some )?(.+)$", c.text)
    style = m.group(1) if m else "a different pattern"
    if re.search(r"\binstead\b", c.text):  # "slap bass instead", "a walking bassline instead"
        style = re.sub(r"\b(gimme|give me|i want|let's have|instead( of .*)?|this one|please)\b", " ", c.text)
        style = re.sub(r"\s+", " ", style).strip(" ,.") or "a different pattern"
    return [ToolCall(tool="replace_stem", args={"stem": stem, "style": style},
                     why=f"recompose the {stem} part as {style}")], \
        f"Rewriting the {stem} as {style}, keeping tempo, key and chords; other stems untouched.", []


def _build_inpaint(c, v):
    args = bar_args(c, v) or {"start_bar": max(1, int(v.total_bars or 4)), "end_bar": max(1, int(v.total_bars or 4))}
    m = re.search(r"\b((?:drum )?fill|breakdown|variation|build(?:-?up)?|drop)\b", c.text)
    instruction = (m.group(1) if m else "variation")
    if "fill" in instruction and "drums" not in c.stems and c.stems == []:
        instruction = "drum fill"
    stems = [s for s in c.stems if s != "mix"] or (["drums"] if "fill" in instruction else [])
    if stems:
        args["stems"] = stems
    args["instruction"] = instruction
    a, b = args.get("start_bar"), args.get("end_bar")
    where = (f"bar {a}" if a == b else f"bars {a}–{b}") if "start_bar" in args else "the range"
    return [ToolCall(tool="inpaint", args=args, why=f"{instruction} in {where}")], \
        f"Regenerating {where} as a {instruction}{' on ' + ', '.join(stems) if stems else ''}, joined " \
        "seamlessly to what comes before and after.", _inpaint_proof(instruction, stems, v)


def _inpaint_proof(instruction: str, stems: list[str], v) -> list:
    """What shows the new bars are what was asked, measured over those bars (``agent.verify`` cuts the
    range from the step): a fill or a build adds hits, a breakdown thins them; a plain new take has no
    direction to prove (an unchanged length would prove nothing)."""
    where = next((s for s in stems if s in v.stems), "mix")
    if re.search(r"fill|build", instruction):
        # a fill plays sixteenths; over its bar at least eighths' worth of hits must be heard
        eighths = 2 * (v.state.tempo_bpm or 120.0) / 60
        return [exp("onset_rate", "up", where).model_copy(update={"at_least": round(eighths, 3)})]
    if re.search(r"breakdown|sparse", instruction):
        return [exp("onset_rate", "down", where)]
    return []


def _build_continue(c, v):
    n = dict(c.numbers)
    if re.search(r"twice as long|double the length", c.text) and v.total_bars:
        n["bars"] = max(1, round(v.total_bars))
    args = {"bars": int(n["bars"])} if "bars" in n else {"seconds": float(n["seconds"])} if "seconds" in n \
        else {"bars": 4 if v.state.tempo_bpm else None, "seconds": None if v.state.tempo_bpm else 8.0}
    args = {k: val for k, val in args.items() if val is not None}
    how = f"{args['bars']} bars" if "bars" in args else f"{args['seconds']:g} s"
    return [ToolCall(tool="continue", args=args, why=f"extend by {how}")], \
        f"Extending the piece by {how} in the same style, tempo, key and chords.", [exp("duration_s", "up", "mix")]


def added_stem_name(name: str | None, taken: list[str]) -> str:
    """The stem name add_stem will give a new part ('pad', or 'pad2' when there is one already)."""
    from bandmate.core.errors import ToolInputError
    from bandmate.tools.backends.composer.presets import instrument

    try:
        stem = instrument(name or "pad").stem
    except ToolInputError:
        stem = "pad"
    out, n = stem, 2
    while out in taken:
        out, n = f"{stem}{n}", n + 1
    return out


def _build_add_stem(c, v):
    inst = c.instrument or "pad"
    args = {"instrument": inst, **as_bars(bar_args(c, v), v)}  # "in the chorus": the bars it covers
    where = ""
    if "start_bar" in args:
        a, b = args["start_bar"], args["end_bar"]
        where = f" in bar {a}" if a == b else f" in bars {a}–{b}"
    return [ToolCall(tool="add_stem", args=args, why=f"write a {inst} part{where}")], \
        f"Adding a {inst} part{where} that follows the session's tempo, key, chords and groove.", \
        [exp("stem_count", "up", "mix"), exp("loudness_lufs", "up", NEW_STEM)]


NOTE_PC = {"c": 0, "c#": 1, "db": 1, "d": 2, "d#": 3, "eb": 3, "e": 4, "f": 5, "f#": 6, "gb": 6, "g": 7,
           "g#": 8, "ab": 8, "a": 9, "a#": 10, "bb": 10, "b": 11}


def semitones_between(key_from: str | None, key_to: str) -> int | None:
    if not key_from:
        return None
    a, b = key_from.split()[0].lower(), key_to.split()[0].lower()
    if a not in NOTE_PC or b not in NOTE_PC:
        return None
    d = (NOTE_PC[b] - NOTE_PC[a]) % 12
    return d - 12 if d > 6 else d


def _build_transpose(c, v):
    st = c.numbers.get("semitones")
    if st is None and re.search(r"whole step|whole tone", c.text):
        st = -2 if re.search(r"\b(down|lower|drop)\b", c.text) else 2
    if st is None and c.key:
        st = semitones_between(v.state.key, c.key)
    if st is None:
        st = -1 if re.search(r"\bdown|lower\b", c.text) else 1
    st = int(round(st))
    why = f"shift pitch {st:+d} semitones" + (f" to {c.key}" if c.key else "")
    t = target_of(c, v)
    return [ToolCall(tool="pitch_shift", args={"target": t, "semitones": float(st)}, why=why)], \
        f"Transposing {st:+d} semitones{' to ' + c.key if c.key else ''}; tempo stays the same.", \
        [exp("duration_s", "same", "mix"), exp("centroid_hz", "up" if st > 0 else "down", t)]


def _build_tempo(c, v):
    cur = v.state.tempo_bpm
    note = ""
    relative = c.tempo_bpm and (c.tempo_bpm < 40 or re.search(
        r"\bby \d+(\.\d+)? ?bpm|\d+(\.\d+)? ?bpm (faster|slower|quicker|up|down|more|less)", c.text))
    if relative and cur:  # "speed up by 8 bpm", "10 bpm slower": a change, not a tempo
        down = re.search(r"\b(slow|slower|down|drop|less|reduce|lower)\b", c.text)
        args = {"target_bpm": float(cur - c.tempo_bpm if down else cur + c.tempo_bpm)}
        how = f"from {cur:g} to {args['target_bpm']:g} BPM"
    elif c.tempo_bpm and cur:
        args = {"target_bpm": float(c.tempo_bpm)}
        how = f"from {cur:g} to {c.tempo_bpm:g} BPM"
        slower = re.search(r"\b(slow\w*|down|drop)\b", c.text)
        faster = re.search(r"\b(speed\w* up|faster|quicker|up)\b", c.text)
        if (slower and c.tempo_bpm > cur) or (faster and c.tempo_bpm < cur):  # "slow it down to 100" at 88
            note = (f" (that is {'faster' if c.tempo_bpm > cur else 'slower'} than now, not "
                    f"{'slower' if c.tempo_bpm > cur else 'faster'}: I went to the tempo you named; undo if you "
                    "meant the other way)")
    else:
        if re.search(r"\b(rush\w*|too fast|too quick)\b", c.text):  # a complaint says which way to go
            slower = True
        elif re.search(r"\b(dragging|drags|too slow|sluggish)\b", c.text):
            slower = False
        else:
            slower = bool(re.search(r"slow|down|half", c.text))
        rate = 1 - 0.08 * c.intensity if slower else 1 + 0.08 * c.intensity
        rate = 0.5 if "half" in c.text else 2.0 if "double" in c.text else rate
        args = {"rate": round(rate, 3)}
        how = f"by a factor of {rate:.2f}"
    faster = args.get("rate", 1) > 1 or bool(cur and args.get("target_bpm", 0) > cur)
    return [ToolCall(tool="time_stretch", args=args, why=f"change tempo {how}")], \
        f"Changing the tempo {how}{note}; pitch stays the same.", [exp("duration_s", "down" if faster else "up", "mix")]


def _build_trim(c, v):
    r = bar_args(c, v)
    total = v.duration_s
    if c.range is not None and c.range.relative == "first":  # "cut the first 2 bars": keep what follows
        args = {"start_bar": r["end_bar"] + 1} if "end_bar" in r else {"start_s": r.get("end_s", 0.0)}
    elif c.range is not None and c.range.relative == "last":
        args = {"end_bar": r["start_bar"] - 1} if "start_bar" in r else {"end_s": r.get("start_s", total)}
    elif "start_bar" in r and re.search(r"\bstart\b.*\b(at|from) bar", c.text):  # "start the song at bar 2"
        args = {"start_bar": r["start_bar"]}
    elif "end_bar" in r and re.search(r"\bafter (bar|the)\b", c.text):  # "cut it after bar 2": keep bars 1-2
        args = {"end_bar": r["end_bar"]}
    elif "bars" in c.numbers and re.search(r"\bcut\b.*\bto\b", c.text):  # "cut it to 2 bars"
        args = {"end_bar": int(c.numbers["bars"])} if v.state.tempo_bpm else {"end_s": round(total / 2, 3)}
    elif "intro" in c.text:
        args = {"start_bar": 5} if v.state.tempo_bpm else {"start_s": min(8.0, total / 4)}
    else:
        args = r or {"end_s": round(total * 0.75, 3)}
    return [ToolCall(tool="trim", args=args, why="keep only the wanted part")], \
        "Trimming the piece to the part you want to keep.", [exp("duration_s", "down", "mix")]


def _build_fade(c, v):
    r = bar_args(c, v)
    length = c.numbers.get("seconds")
    if length is None and "start_bar" in r and v.state.tempo_bpm:
        length = (r["end_bar"] - r["start_bar"] + 1) * 60 / v.state.tempo_bpm * 4
    if length is None and "start_s" in r:
        length = r["end_s"] - r["start_s"]
    length = float(min(length or 3.0, max(0.1, v.duration_s / 2)))
    # "fade in", "fade the keys in", "fade it up"
    fade_in = bool(re.search(r"fade[sd]? (?:(?:the|it|them|this|my) )?(?:[\w-]+ )?(?:in|up)\b|fade[sd]? ?(?:in|up)\b",
                             c.text))
    args = {"fade_in_s": length} if fade_in else {"fade_out_s": length}
    args["target"] = t = target_of(c, v)
    return [ToolCall(tool="fade", args=args, why=f"fade {'in' if fade_in else 'out'} over {length:.1f} s")], \
        f"Fading {'in' if fade_in else 'out'} over {length:.1f} seconds.", [exp("band_db:20-20000", "down", t)]


def _build_pan(c, v):
    stem = _stem_required(c, v, "pan")
    side = -1 if "left" in c.text else 1 if "right" in c.text else 0
    amount = 1.0 if "hard" in c.text else min(1.0, 0.5 * c.intensity)
    pan = round(side * amount, 2)
    return [ToolCall(tool="mix", args={"stem": stem, "pan": pan}, why=f"pan {stem} to {pan:+.2f}")], \
        f"Panning the {stem} {'left' if pan < 0 else 'right' if pan > 0 else 'to the centre'}.", []


def _build_level(c, v, sign):
    db = c.numbers.get("gain_db")
    if db is None:
        db = sign * 3.0 * c.intensity
    db = max(-24.0, min(12.0, db))
    t = target_of(c, v)
    args = {"target": t, "gain_db": round(db, 2), **bar_args(c, v)}
    return [ToolCall(tool="gain", args=args, why=f"{db:+.1f} dB on {t}")], \
        f"{'Raising' if db > 0 else 'Lowering'} the {t} by {abs(db):.1f} dB.", \
        [exp("loudness_lufs", "up" if db > 0 else "down", t)]


_SMALL_ROOM = re.compile(r"\b(small|short|tight|little|intimate|dry|booth)\b")
_BIG_ROOM = re.compile(r"\b(big|huge|large|massive|long|hall|church|cathedral|arena|stadium)\b")


def _build_room(c, v):
    """'put the horns in a short, tight room', 'give it a real room': a reverb sized by the words said."""
    t = target_of(c, v)
    where = re.search(r"\b(?:in|into|inside|give \S+)\s+an?\s+(.*)$", c.text)
    said = where.group(1) if where else c.text
    size, wet, kind = (0.3, 0.25, "small room") if _SMALL_ROOM.search(said) else \
        (0.85, 0.35, "large hall") if _BIG_ROOM.search(said) else (0.5, 0.3, "room")
    args = {"target": t, "room_size": size, "wet_level": round(min(1.0, wet * c.intensity), 3), **bar_args(c, v)}
    return [ToolCall(tool="reverb", args=args, why=f"a {kind} around the {t}")], \
        f"Putting the {t} in a {kind}: reverb (room {size:g}, wet {args['wet_level']:g}).", \
        [exp("ambience_db", "up", t)]


def _build_limit(c, v):
    """A ceiling the peaks must stay under; with 'loud'/'louder' in the request, gain goes in first."""
    t = target_of(c, v)
    said = c.numbers.get("gain_db")
    ceiling = -abs(said) if said is not None else -1.0
    ceiling = max(-30.0, min(0.0, ceiling))
    louder = re.search(r"\b(loud|louder|hot|hotter|slam|club|maximi[sz]e|push it)\b", c.text)
    steps, expected = [], [exp("peak_dbfs", "down", t)]
    if louder:
        boost = round(4.0 * c.intensity, 2)
        steps.append(ToolCall(tool="gain", args={"target": t, "gain_db": boost}, why=f"{boost:+.1f} dB into the limiter"))
        expected = [exp("loudness_lufs", "up", t), exp("crest_db", "down", t)]
    steps.append(ToolCall(tool="limiter", args={"target": t, "threshold_db": ceiling, **bar_args(c, v)},
                          why=f"no peak above {ceiling:g} dBFS"))
    text = (f"{'Raising the level and l' if louder else 'L'}imiting the {t} so no peak goes above {ceiling:g} dBFS.")
    return steps, text, expected


def _build_louder(c, v):
    return _build_level(c, v, +1)


def _build_quieter(c, v):
    return _build_level(c, v, -1)


def _build_region(c, v):
    # 'low end' and 'sub' also name the bass: in "too much low end on the keys" they name the region only
    named = [x for x in find_stems(re.sub(rf"\b(?:{regions.NAMES})\b", " ", c.text), v.stems) if x in v.stems]
    return regions.build(c, v, named[0] if named else target_of(c, v), bar_args(c, v), exp)


def _build_eq_exact(c, v):
    t = target_of(c, v)
    f, db = c.numbers["freq_hz"], c.numbers["gain_db"]
    lo, hi = f / 2 ** 0.5, f * 2 ** 0.5
    q, said = 1.0, f"at {f:g} Hz"
    if band := said_band(c.text):  # "cut 200 hz to 2 khz": one broad bell spanning the band
        lo, hi = band
        f, q, said = round((lo * hi) ** 0.5, 1), round((lo * hi) ** 0.5 / (hi - lo), 3), f"over {lo:g}–{hi:g} Hz"
    args = {"target": t, "peak1_hz": f, "peak1_db": db, "peak1_q": q, **bar_args(c, v)}
    return [ToolCall(tool="eq", args=args, why=f"{db:+.1f} dB bell at {f:g} Hz")], \
        f"A {db:+.1f} dB bell {said} on the {t}.", \
        [exp(f"band_db:{lo:.0f}-{hi:.0f}", "up" if db > 0 else "down", t)]


def _build_generate(c, v):
    args = {"prompt": c.text}
    if "bars" in c.numbers:
        args["bars"] = int(c.numbers["bars"])
    return [ToolCall(tool="generate", args=args, why="compose and render a new arrangement")], \
        "Writing a new arrangement from your description.", []


# words musicians use to describe a part's sound; the composer takes them up only inside an instrument
# name it knows ("distorted guitar", "warm pad"), otherwise the reply says they were not used
TONE_WORDS = ("distorted", "overdriven", "fuzzy", "fuzz", "gritty", "dirty", "crunchy", "clean", "muted",
              "muffled", "warm", "lush", "punchy", "airy", "wet", "dry", "reverby", "vintage", "tape", "vinyl",
              "dusty", "saturated", "heavy", "soft", "gentle", "hard-hitting", "breathy", "detuned", "wobbly",
              "glitchy", "crispy", "crisp", "shimmering", "twangy", "bright", "distant", "intimate")
TEMPO_WORDS = ("slow", "fast", "uptempo", "up-tempo", "downtempo", "quick", "slowly")
OTHER_INSTRUMENTS = ("harp", "banjo", "ukulele", "mandolin", "accordion", "harmonica", "sitar", "tabla", "bagpipes",
                     "clarinet", "oboe", "bassoon", "tuba", "trombone", "xylophone", "steel drums", "kalimba",
                     "theremin", "harpsichord", "timpani", "congas", "bongos", "tambourine", "cowbell", "shaker",
                     "viola", "french horn", "koto", "didgeridoo", "celesta")


def unread_controls(prompt: str) -> list[str]:
    """Notes naming each control stated in a generation prompt that the composer will not use."""
    from bandmate.core.errors import ToolInputError
    from bandmate.tools.backends.composer.controls import MOODS
    from bandmate.tools.backends.composer.presets import INSTRUMENTS
    from bandmate.tools.backends.composer.prompt import read_prompt

    try:
        controls = read_prompt(prompt)
    except ToolInputError:
        return []  # the generate call itself reports what is wrong with the prompt
    t = " " + prompt.lower() + " "
    read_phrases = [p for p in sorted(INSTRUMENTS, key=len, reverse=True) if " " in p and _says(t, p)]
    covered = " ".join(read_phrases)
    notes = []
    moods = [m for m in MOODS if _says(t, m) and m != (controls.mood or "")]
    if moods and controls.mood:
        notes.append(f"I compose with one mood word and used '{controls.mood}'; "
                     f"{', '.join(repr(m) for m in moods)} not used")
    tones = [w for w in TONE_WORDS if _says(t, w) and not _says(covered, w) and w not in MOODS]
    if tones:
        notes.append(f"the composer has no control for {', '.join(repr(w) for w in tones)}: ask for it as an "
                     f"edit once the music is made (e.g. 'make it more {tones[0]}')")
    if controls.tempo_bpm is None and (said := [w for w in TEMPO_WORDS if _says(t, w)]):
        notes.append(f"'{said[0]}' sets no exact tempo, so the style's tempo was used (say a BPM to set it)")
    missing = [w for w in OTHER_INSTRUMENTS if _says(t, w) and w not in INSTRUMENTS]
    if missing:
        notes.append(f"no {', '.join(missing)} in my instrument set, so the arrangement has none")
    return notes


def _says(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None
