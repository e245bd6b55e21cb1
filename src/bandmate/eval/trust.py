"""Trust: the mistakes after which a musician stops trusting Bandmate, found per case and counted per run.

Each count must be 0 for a run to pass on trust (whatever its pass rate):

- ``edits_on_questions``: the case asks a question (``expect.kind: answer``) and the music changed (the
  mix, or a stem that existed before, holds different audio afterwards). Stems added by a separation
  are not a change of the music.
- ``constraints_broken``: the request states a constraint and the turn broke it, as measured. The Plan
  has no constraint field, so constraints are read from the request's words: "don't change / touch /
  mess with X", "without changing X", "keep X (the same | as it is | …)", "leave X alone", "don't
  squash it". X is the tempo (tempo_bpm held), the key or pitch (key held), the length (duration_s
  held), a stem (its audio, level and mixer strip held), "anything" (no audio change at all), and
  squashing is a fall of the mix's crest factor by more than ``SQUASH_DB``.
- ``over_full_scale``: the turn changed the mix and left its true peak (``peak_dbfs``, 4x oversampled)
  above 0 dBFS.
- ``stems_unmeasured``: a step that ran on a stem (its ``target`` is not the mix) whose turn reported no
  successful measurement on that stem (none at all, or only ones with an error).
- ``corrections_not_applied``: the request corrects the previous turn ("no, by warm I mean …") and
  afterwards no corrected edit holds: the plan was not an edit, it failed, the audio did not change, or
  the case's expected direction did not hold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

TRUST_CHECKS = {
    "edits_on_questions": "edits made on questions",
    "constraints_broken": "edits that broke a stated constraint",
    "over_full_scale": "outputs over full scale (true peak > 0 dBFS)",
    "stems_unmeasured": "stem edits left unmeasured",
    "corrections_not_applied": "corrections not applied",
}
SQUASH_DB = 1.0  # a crest-factor fall larger than this is audible squashing
FULL_SCALE_DBFS = 0.0
SAME_AUDIO = 1e-4  # largest sample difference still counted as the same audio (float round trips)

_NOT = r"(?:don'?t|do not|dont|never|without|no)"
_CHANGE = r"(?:change|changing|touch|touching|alter|altering|mess(?:ing)? with|mess(?:ing)? up|affect|affecting)"
_END = r"(?=\s*(?:[,.;!?]|$|\s(?:but|and|though|just|please|ok|okay|while|when|at all)\b))"
_CONSTRAINT_RES = (
    re.compile(rf"\b{_NOT}\s+{_CHANGE}\s+(?P<what>.+?){_END}", re.I),
    re.compile(rf"\bkeep(?:ing)?\s+(?P<what>.+?)\s+(?:the same|as (?:it|they) (?:is|are|was|were)|unchanged|untouched|"
               rf"intact|where (?:it|they) (?:is|are)|alone){_END}", re.I),
    re.compile(rf"\bleave\s+(?P<what>.+?)\s+(?:alone|as (?:it|they) (?:is|are)|untouched){_END}", re.I),
)
_SQUASH_RE = re.compile(rf"\b{_NOT}\s+(?:squash|squashing|crush|crushing|over-?compress\w*)\b", re.I)
_CORRECTION_RE = re.compile(r"^\s*(?:no|nope|nah|not that|wrong)\b[,.! ]*.*\bi\s+(?:mean|meant)\b", re.I)
_WORDS = {
    "tempo_bpm": ("tempo", "speed", "bpm", "timing", "time"),
    "key": ("key", "pitch", "tuning"),
    "duration_s": ("length", "duration", "how long"),
    "audio": ("anything", "everything", "the music", "the song", "the track", "the mix", "a thing", "it"),
}
_STEM_WORDS = {"vocals": ("vocal", "vocals", "voice", "singer", "singing"), "drums": ("drums", "drum", "kit"),
               "bass": ("bass", "bass line", "bassline"), "other": ("other",)}


# ---- reading the request ------------------------------------------------------------------------
def stated_constraints(request: str) -> list[str]:
    """What the request says must not change: ``tempo_bpm``, ``key``, ``duration_s``, ``audio``,
    ``stem:NAME`` or ``dynamics``, in the order stated (empty when it states none)."""
    found: list[str] = []
    for rx in _CONSTRAINT_RES:
        for m in rx.finditer(request):
            found += _subjects(m.group("what"))
    if _SQUASH_RE.search(request):
        found.append("dynamics")
    return list(dict.fromkeys(found))


def _subjects(what: str) -> list[str]:
    text = " " + re.sub(r"^(?:the|my|our|its|their)\s+", "", what.strip().lower()) + " "
    out = [name for name, words in _WORDS.items() if name != "audio" and any(f" {w} " in text for w in words)]
    out += [f"stem:{stem}" for stem, words in _STEM_WORDS.items() if any(f" {w} " in text for w in words)]
    if " dynamics " in text or " punch " in text:
        out.append("dynamics")
    if not out and any(f" {w} " in f" {what.strip().lower()} " for w in _WORDS["audio"]):
        out.append("audio")
    return out


def is_correction(request: str) -> bool:
    """A correction of the previous turn's reading ("no, by warm I mean less harsh highs")."""
    return _CORRECTION_RE.match(request) is not None


# ---- measuring one turn -------------------------------------------------------------------------
def audio_changed(probe) -> bool:
    """Whether the turn changed the music: the mix, or a stem that existed before, sounds different."""
    before, after = probe.before, probe.after
    pairs = [(before.mix, after.mix)] + [(k, after.stems.get(s)) for s, k in before.stems.items()]
    return any(_differs(probe, a, b) for a, b in pairs)


def _differs(probe, key_a: str, key_b: str | None) -> bool:
    if key_b is None:
        return True
    if key_a == key_b:
        return False
    a, b = probe.session.store.clip(key_a), probe.session.store.clip(key_b)
    if a.samples.shape != b.samples.shape or a.sample_rate != b.sample_rate:
        return True
    return float(np.max(np.abs(a.samples - b.samples), initial=0.0)) > SAME_AUDIO


def broken_constraint(name: str, probe, changed: bool) -> str | None:
    """Why the turn broke constraint ``name`` (a short text), or None when it held or cannot apply."""
    from bandmate.eval.measure import check_preserved_measure, check_preserved_stem

    if name == "audio":
        return "the music changed" if changed else None
    if name == "dynamics":
        b, a = probe.value("crest_db", "mix", "before"), probe.value("crest_db", "mix", "after")
        return f"crest factor {b:.1f} -> {a:.1f} dB (squashed)" if b - a > SQUASH_DB else None
    if name.startswith("stem:"):
        stem = name.split(":", 1)[1]
        if not any(stem in v.stems for v in probe.chain):
            return None  # the part was never separated, so nothing could touch it on its own
        row = check_preserved_stem(stem, probe)
        return None if row["ok"] else (f"{stem} changed (SI-SDR {row['si_sdr_db']:.1f} dB, level "
                                        f"{row['level_change_db']:+.1f} dB)" if row["error"] is None else row["error"])
    row = check_preserved_measure(name, probe)
    return None if row["ok"] else f"{name} {row['before']} -> {row['after']}" + (f" ({row['error']})" if row["error"] else "")


def unmeasured_stems(steps: Sequence[dict[str, Any]], measured: Sequence[dict[str, Any]]) -> list[str]:
    """The stems a step ran on that the turn's own measurements never proved (missing or in error)."""
    edited = [s["args"].get("target") for s in steps if isinstance(s.get("args", {}).get("target"), str)]
    proved = {m["target"] for m in measured if m.get("error") is None and m.get("before") is not None}
    return [t for t in dict.fromkeys(edited) if t != "mix" and t not in proved]


def turn_facts(case, probe, rec: dict[str, Any]) -> dict[str, Any]:
    """The trust facts of one finished turn (before scoring; ``finish`` adds the correction verdict)."""
    from bandmate.eval.measure import mix_peak_dbfs

    changed = audio_changed(probe)
    constraints = stated_constraints(case.request)
    broken = {c: why for c in constraints if (why := broken_constraint(c, probe, changed)) is not None}
    peak = mix_peak_dbfs(probe, "after") if changed else None
    return {"question": case.expect.kind == "answer", "audio_changed": changed, "constraints": constraints,
            "broken": broken, "peak_dbfs": peak, "over_full_scale": peak is not None and peak > FULL_SCALE_DBFS,
            "unmeasured_stems": unmeasured_stems(rec["steps"], rec["agent_measured"]),
            "correction": is_correction(case.request) and bool(case.history)}


def finish(facts: dict[str, Any] | None, rec: dict[str, Any]) -> dict[str, Any]:
    """A case's trust record: its ``facts``, which checks ``apply`` to it and which it ``failed``."""
    f = facts or {}
    stem_steps = any(s.get("args", {}).get("target") not in (None, "mix") for s in rec.get("steps", []))
    applied = (rec.get("kind") == "edit" and not rec.get("exec_error") and f.get("audio_changed", False)
               and rec["checks"].get("direction") is not False)
    applies = {"edits_on_questions": bool(f.get("question")), "constraints_broken": bool(f.get("constraints")),
               "over_full_scale": bool(f.get("audio_changed")), "stems_unmeasured": stem_steps,
               "corrections_not_applied": bool(f.get("correction"))}
    failed = {"edits_on_questions": bool(f.get("question") and f.get("audio_changed")),
              "constraints_broken": bool(f.get("broken")),
              "over_full_scale": bool(f.get("over_full_scale")),
              "stems_unmeasured": bool(f.get("unmeasured_stems")),
              "corrections_not_applied": bool(f.get("correction") and not applied)}
    return {"facts": f, "applies": applies, "failed": failed}


# ---- over a run ---------------------------------------------------------------------------------
def trust_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per check: how many cases failed it, out of how many it applies to, and which; ``passed`` when all 0."""
    out: dict[str, Any] = {}
    for name in TRUST_CHECKS:
        failed = [r["id"] for r in records if (r.get("trust") or {}).get("failed", {}).get(name)]
        of = sum(1 for r in records if (r.get("trust") or {}).get("applies", {}).get(name))
        out[name] = {"count": len(failed), "of": of, "cases": failed}
    out["passed"] = all(out[n]["count"] == 0 for n in TRUST_CHECKS)
    return out
