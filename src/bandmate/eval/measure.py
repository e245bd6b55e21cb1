"""Measuring what a case's turn did to the audio: expected changes, preserved stems, preserved measures.

Conventions
-----------
- "Before" is the head version just before the case's request (after any ``history`` turns); "after"
  is the head after it. A stem that did not exist before (a mixture-only session that the turn
  separated first) is measured from the first version of the turn that holds it, so "before" means
  "as separated, before the edit".
- Session measures: ``tempo_bpm`` and ``key`` come from the version's state table, or are measured on
  the mix with the librosa analysis backend when the state does not know them (uploaded audio);
  ``stem_count`` counts the version's stems. Every other name is a ``core.measures`` measure of the
  target clip (a stem, or the mix).
- Without ``min_change``, "up"/"down" must exceed what Bandmate itself calls noticeable
  (``agent.verify.NOTICEABLE``: e.g. 0.5 dB for levels, 2 % for centroid), and "same" must stay below
  it. ``key`` moves are signed semitone distances between tonics (-5..+6); "same" also needs the same mode.
- A preserved stem is unchanged when its SI-SDR against before is at least ``PRESERVE_SI_SDR_DB``, its
  level moved less than ``PRESERVE_LEVEL_DB`` (SI-SDR alone is blind to a gain change) and its mixer
  strip (gain, pan, mute) is unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import BandmateError
from bandmate.eval.schema import Case, Change
from bandmate.memory.session import Session
from bandmate.memory.state import StripSettings
from bandmate.memory.store import Version

PRESERVE_SI_SDR_DB = 30.0
PRESERVE_LEVEL_DB = 0.5  # SI-SDR ignores gain, so a preserved stem's level must hold too (Bandmate's "noticeable")
SI_SDR_CAP_DB = 200.0  # reported for bit-identical audio instead of infinity
# preserve_measures tolerances: (absolute, relative to the value before)
PRESERVE_TOLERANCE = {"tempo_bpm": (1.0, 0.02), "duration_s": (0.05, 0.0), "stem_count": (0.0, 0.0)}
_KEY_RE = re.compile(r"^([A-Ga-g])([#b]?)\s*(m|min|minor|maj|major)?$")


# ---- keys ---------------------------------------------------------------------------------------
def parse_key(label: str | None) -> tuple[int, str] | None:
    """``"A minor"``, ``"Am"``, ``"A:min"``, ``"F# major"``, ``"Bb"`` -> (tonic pitch class, mode); None if unreadable."""
    if not label:
        return None
    m = _KEY_RE.match(label.strip().replace(":", " ").replace("♯", "#").replace("♭", "b"))
    if m is None:
        return None
    pc = ("C D EF G A B".index(m[1].upper()) + (m[2] == "#") - (m[2] == "b")) % 12
    return pc, "minor" if m[3] in ("m", "min", "minor") else "major"


def key_shift(before: str | None, after: str | None) -> tuple[int, bool] | None:
    """(signed semitones from ``before``'s tonic to ``after``'s, in -5..+6; mode changed?) or None."""
    a, b = parse_key(before), parse_key(after)
    if a is None or b is None:
        return None
    d = (b[0] - a[0]) % 12
    return (d - 12 if d > 6 else d), a[1] != b[1]


# ---- reading one session ------------------------------------------------------------------------
def lineage(session: Session, before_v: int, after_v: int) -> list[Version]:
    """The versions from ``before_v`` to ``after_v`` along parents, oldest first ([before, after] if unrelated)."""
    chain = [session.version(after_v)]
    while chain[-1].id != before_v and chain[-1].parent is not None:
        chain.append(session.version(chain[-1].parent))
    if chain[-1].id != before_v:
        return [session.version(before_v), session.version(after_v)]
    return chain[::-1]


@dataclass
class Probe:
    """Measures of one turn's before and after versions, each computed once."""

    session: Session
    chain: list[Version]
    _memo: dict[tuple, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session, before_v: int, after_v: int) -> Probe:
        return cls(session, lineage(session, before_v, after_v))

    @property
    def before(self) -> Version:
        return self.chain[0]

    @property
    def after(self) -> Version:
        return self.chain[-1]

    def key_of(self, target: str, which: str) -> str:
        """The blob key of ``target`` before (first version holding it) or after."""
        if which == "after":
            v = self.after
            if target != "mix" and target not in v.stems:
                raise BandmateError(f"stem {target!r} is not in the session after the turn "
                                    f"(stems: {', '.join(v.stems) or 'none'})")
            return v.mix if target == "mix" else v.stems[target]
        for v in self.chain:
            if target == "mix" or target in v.stems:
                return v.mix if target == "mix" else v.stems[target]
        raise BandmateError(f"stem {target!r} is in no version from {self.before.id} to {self.after.id} (stems "
                            f"before: {', '.join(self.before.stems) or 'none'}): the turn never separated it, or "
                            "its edits were undone")

    def fader(self, target: str, which: str) -> float:
        """The stem's mixer gain as a factor (0 when muted): a stem is measured as it is heard."""
        if target == "mix":
            return 1.0
        version = self.after if which == "after" else next(
            (v for v in self.chain if target in v.stems), self.before)
        strip = version.state.mixer.get(target)
        if strip is None:
            return 1.0
        return 0.0 if strip.mute else float(10 ** (strip.gain_db / 20))

    def clip(self, target: str, which: str) -> Clip:
        key, gain = self.key_of(target, which), self.fader(target, which)
        if ("clip", key, gain) not in self._memo:
            raw = self.session.store.clip(key)
            self._memo[("clip", key, gain)] = raw if gain == 1.0 else raw.replace(raw.samples * gain, "fader")
        return self._memo[("clip", key, gain)]

    def value(self, measure: str, target: str, which: str) -> float | str | None:
        """One measure of the before or after version: a number, or a key name for ``key``."""
        version = self.before if which == "before" else self.after
        if measure == "stem_count":
            return float(len(version.stems))
        if measure in ("tempo_bpm", "key"):
            known = version.state.tempo_bpm if measure == "tempo_bpm" else version.state.key
            return known if known is not None else self._analysed(measure, version.mix)
        memo = (measure, self.key_of(target, which), self.fader(target, which))
        if memo not in self._memo:
            from bandmate.core.measures import measure as measure_clip

            self._memo[memo] = measure_clip(measure, self.clip(target, which))
        return self._memo[memo]

    def _analysed(self, measure: str, mix_key: str) -> float | str | None:
        if ("analysis", measure, mix_key) not in self._memo:
            from bandmate.tools.backends.analysis_librosa import analyze_librosa

            clip = self.session.store.clip(mix_key)
            found = analyze_librosa(y=np.asarray(clip.to_mono()).reshape(-1), sample_rate=clip.sample_rate,
                                    what=("tempo",) if measure == "tempo_bpm" else ("key",))
            self._memo[("analysis", measure, mix_key)] = found.tempo_bpm if measure == "tempo_bpm" else found.key
        return self._memo[("analysis", measure, mix_key)]


def mix_peak_dbfs(probe: Probe, which: str = "after") -> float:
    """True peak of the before or after mix in dBFS (``core.measures.peak_dbfs``, 4x oversampled).

    The trust check "outputs over full scale" reads it: Bandmate's level safety keeps every edited mix
    at or under ``tools.safety.CEILING_DBFS`` unless the user asked otherwise.
    """
    return float(probe.value("peak_dbfs", "mix", which))


# ---- judging ------------------------------------------------------------------------------------
def default_threshold(measure: str, before: float) -> float:
    """What Bandmate calls a noticeable change of ``measure`` from ``before`` (in the measure's unit)."""
    from bandmate.agent.verify import NOTICEABLE, RELATIVE

    family = measure.split(":", 1)[0]
    need = NOTICEABLE.get(family, 0.0)
    return need * abs(before) if family in RELATIVE else need


def check_change(change: Change, target: str, probe: Probe) -> dict[str, Any]:
    """One expected change measured on ``target``: before, after, delta, threshold, ok (or an error)."""
    row: dict[str, Any] = {"measure": change.measure, "target": target, "direction": change.direction,
                           "min_change": change.min_change, "before": None, "after": None, "delta": None,
                           "threshold": None, "ok": False, "error": None}
    try:
        b, a = probe.value(change.measure, target, "before"), probe.value(change.measure, target, "after")
    except BandmateError as err:
        row["error"] = str(err)
        return row
    row["before"], row["after"] = b, a
    if change.measure == "key":
        return _check_key(change, row)
    if b is None or a is None:
        row["error"] = f"{change.measure} could not be measured ({'before' if b is None else 'after'})"
        return row
    delta = float(a) - float(b)
    thr = change.threshold(float(b)) if change.min_change is not None else default_threshold(change.measure, float(b))
    row.update(delta=delta, threshold=thr)
    if change.direction == "same":
        row["ok"] = abs(delta) <= thr if change.min_change is not None else abs(delta) < max(thr, 1e-9)
    else:
        signed = delta if change.direction == "up" else -delta
        row["ok"] = signed > 0 and signed >= thr
    return row


def _check_key(change: Change, row: dict[str, Any]) -> dict[str, Any]:
    shift = key_shift(row["before"], row["after"])
    if shift is None:
        row["error"] = f"key not readable: {row['before']!r} -> {row['after']!r}"
        return row
    semis, mode_changed = shift
    thr = change.threshold(0.0) if isinstance(change.min_change, (int, float)) else 1.0
    row.update(delta=float(semis), threshold=thr)
    if change.direction == "same":
        row["ok"] = semis == 0 and not mode_changed
    else:
        signed = semis if change.direction == "up" else -semis
        row["ok"] = signed > 0 and signed >= thr
    return row


def si_sdr_db(reference: Clip, estimate: Clip) -> float:
    """Scale-invariant SDR of ``estimate`` against ``reference`` in dB (zero-padded to one length)."""
    est_c = estimate.with_channels(reference.channels) if estimate.channels != reference.channels else estimate
    n = max(reference.frames, est_c.frames)
    ref = np.asarray(reference.padded(n), np.float64).ravel()
    est = np.asarray(est_c.padded(n), np.float64).ravel()
    ref_e = float(ref @ ref)
    if ref_e < 1e-12:
        return SI_SDR_CAP_DB if float(est @ est) < 1e-12 else -SI_SDR_CAP_DB
    target = (float(est @ ref) / ref_e) * ref
    noise = est - target
    noise_e = float(noise @ noise)
    if noise_e <= 1e-20 * max(float(target @ target), 1e-30):
        return SI_SDR_CAP_DB
    return float(min(SI_SDR_CAP_DB, 10 * np.log10(max(float(target @ target), 1e-30) / noise_e)))


def level_change_db(before: Clip, after: Clip) -> float:
    """Energy change from ``before`` to ``after`` in dB (silence on both sides: 0)."""
    eb = float(np.sum(before.samples.astype(np.float64) ** 2))
    ea = float(np.sum(after.samples.astype(np.float64) ** 2))
    if eb < 1e-12 and ea < 1e-12:
        return 0.0
    return float(10 * np.log10(max(ea, 1e-12) / max(eb, 1e-12)))


def check_preserved_stem(stem: str, probe: Probe) -> dict[str, Any]:
    row: dict[str, Any] = {"stem": stem, "si_sdr_db": None, "level_change_db": None, "mixer_changed": False,
                           "ok": False, "error": None}
    try:
        kb, ka = probe.key_of(stem, "before"), probe.key_of(stem, "after")
    except BandmateError as err:
        if not any(stem in v.stems for v in probe.chain) and probe.before.mix == probe.after.mix:
            # never separated and the mix is the same audio: the part, wherever it is, was not touched
            row.update(si_sdr_db=SI_SDR_CAP_DB, level_change_db=0.0, ok=True)
            return row
        row["error"] = str(err)
        return row
    if kb == ka:
        row["si_sdr_db"], row["level_change_db"] = SI_SDR_CAP_DB, 0.0
    else:
        b, a = probe.clip(stem, "before"), probe.clip(stem, "after")
        row["si_sdr_db"], row["level_change_db"] = si_sdr_db(b, a), level_change_db(b, a)
    unity = StripSettings()
    strip_b, strip_a = (v.state.mixer.get(stem, unity) for v in (probe.before, probe.after))
    row["mixer_changed"] = strip_b != strip_a
    row["ok"] = (row["si_sdr_db"] >= PRESERVE_SI_SDR_DB and abs(row["level_change_db"]) < PRESERVE_LEVEL_DB
                 and not row["mixer_changed"])
    return row


def check_preserved_measure(name: str, probe: Probe) -> dict[str, Any]:
    row: dict[str, Any] = {"measure": name, "before": None, "after": None, "ok": False, "error": None}
    try:
        b, a = probe.value(name, "mix", "before"), probe.value(name, "mix", "after")
    except BandmateError as err:
        row["error"] = str(err)
        return row
    row["before"], row["after"] = b, a
    if b is None or a is None:
        row["ok"] = b is None and a is None  # unknown before and after: nothing shows it changed
    elif name == "key":
        row["ok"] = key_shift(b, a) == (0, False)
    else:
        absolute, relative = PRESERVE_TOLERANCE[name]
        row["ok"] = abs(float(a) - float(b)) <= max(absolute, relative * abs(float(b)))
    return row


def observe(case: Case, session: Session, before_v: int, after_v: int) -> dict[str, Any]:
    """Every measurement a case asks for, on one turn of ``session`` (pure reads; nothing is stored)."""
    probe = Probe.of(session, before_v, after_v)
    target = case.expect.target or "mix"
    return {"changes": [check_change(c, target, probe) for c in case.expect.changes],
            "changes_any": [check_change(c, target, probe) for c in case.expect.changes_any],
            "preserve": [check_preserved_stem(s, probe) for s in case.expect.preserve],
            "preserve_measures": [check_preserved_measure(m, probe) for m in case.expect.preserve_measures]}
