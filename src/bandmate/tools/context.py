"""What a tool sees of a session: clips by name, the state table, assets, settings, backends.

Tools never touch files or the database. They read ``ctx.clip("bass")`` and stage changes with
``ctx.set_clip`` / ``ctx.remove_stem`` / ``ctx.state`` / ``ctx.set_asset``; ``run_tool`` commits the
staged changes as one new version only when the tool returns normally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bandmate.core.clip import Clip
from bandmate.core.errors import SessionError, ToolInputError
from bandmate.core.settings import Settings
from bandmate.core.timing import Grid, meter_beats
from bandmate.memory.state import StateTable

STEM_NAMES = ("drums", "bass", "vocals", "keys", "piano", "guitar", "lead", "pad", "strings", "brass",
              "percussion", "synth", "organ", "choir", "fx", "other")


class Backends:
    """Loaded models and engines, created on first use and kept for the life of the process."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def get(self, key: str, factory: Callable[[], Any]) -> Any:
        if key not in self._loaded:
            self._loaded[key] = factory()
        return self._loaded[key]


class ToolContext:
    def __init__(self, *, mix: Clip | None = None, stems: dict[str, Clip] | None = None,
                 state: StateTable | None = None, settings: Settings | None = None,
                 backends: Backends | None = None, loader: Callable[[str], Clip] | None = None,
                 mix_key: str | None = None, stem_keys: dict[str, str] | None = None,
                 assets: dict[str, str] | None = None, asset_loader: Callable[[str], bytes] | None = None,
                 session_id: str | None = None, version_id: int | None = None):
        self.settings = settings or Settings.from_env()
        self.backends = backends or Backends()
        self.state = (state or StateTable()).model_copy(deep=True)
        self.session_id = session_id
        self.version_id = version_id
        self._loader = loader
        self._keys: dict[str, str] = dict(stem_keys or {})
        if mix_key:
            self._keys["mix"] = mix_key
        self._clips: dict[str, Clip] = {}
        if mix is not None:
            self._clips["mix"] = mix
        self._clips.update(stems or {})
        self._stem_order = list(stem_keys or stems or {})
        self._asset_keys = dict(assets or {})
        self._asset_loader = asset_loader
        self.staged: dict[str, Clip] = {}
        self.removed: set[str] = set()
        self.new_assets: dict[str, bytes] = {}
        self.bus_cleared = False

    # ---- reading ----------------------------------------------------------------------------
    def stem_names(self) -> list[str]:
        names = [n for n in self._stem_order if n not in self.removed]
        names += [n for n in self.staged if n != "mix" and n not in names]
        return names

    @property
    def has_stems(self) -> bool:
        return bool(self.stem_names())

    @property
    def sample_rate(self) -> int:
        return self.clip("mix").sample_rate

    def clip(self, target: str) -> Clip:
        """The current audio of ``'mix'`` or a stem (staged changes included)."""
        if target in self.staged:
            return self.staged[target]
        if target != "mix" and (target in self.removed or target not in self._stem_order):
            raise ToolInputError(self.unknown_target_message(target))
        if target not in self._clips:
            if self._loader is None or target not in self._keys:
                raise SessionError(f"no audio for {target!r} in this session")
            self._clips[target] = self._loader(self._keys[target])
        return self._clips[target]

    def unknown_target_message(self, target: str) -> str:
        stems = self.stem_names()
        if target == "mix":  # asked for where only a stem makes sense (remove_stem, extract_stem, ...)
            return ("'mix' is the whole mix, not a stem; name one of the stems: "
                    f"{', '.join(stems)}" if stems else "'mix' is the whole mix, not a stem, and this session "
                    "has no stems yet; run separate to split it into stems")
        if stems:
            return (f"unknown target {target!r}; this session has the mix and stems: {', '.join(stems)}. "
                    "Use target='mix' or one of those stems, or run separate first")
        return (f"unknown target {target!r}: this session holds only a mix with no stems. Use target='mix', "
                "or run separate to split it into stems")

    def key_of(self, target: str) -> str | None:
        """Stored key of an unchanged clip (lets run_tool skip rewriting it)."""
        return None if target in self.staged else self._keys.get(target)

    def asset(self, name: str) -> bytes | None:
        if name in self.new_assets:
            return self.new_assets[name]
        key = self._asset_keys.get(name)
        if key is None or self._asset_loader is None:
            return None
        return self._asset_loader(key)

    def asset_names(self) -> list[str]:
        return sorted(set(self._asset_keys) | set(self.new_assets))

    # ---- musical time ---------------------------------------------------------------------------
    def grid(self) -> Grid:
        if not self.state.tempo_bpm:
            raise ToolInputError("this session does not know its tempo yet, so bars cannot be used; give "
                                 "times in seconds (start_s/end_s) or run analyze first")
        return Grid(self.state.tempo_bpm, meter_beats(self.state.time_signature), self.state.offset_s)

    def resolve_range(self, start_s=None, end_s=None, start_bar=None, end_bar=None,
                      duration_s: float | None = None) -> tuple[float, float]:
        """A (start, end) in seconds, from seconds or 1-based inclusive bars, checked against the clip."""
        total = self.clip("mix").duration_s if duration_s is None else duration_s
        if start_bar is not None or end_bar is not None:
            g = self.grid()
            s_bar = start_bar if start_bar is not None else 1
            e_bar = end_bar if end_bar is not None else max(s_bar, int(g.bars_in(total) + 0.999))
            start_s, end_s = g.bars_to_range_s(s_bar, e_bar)
            if start_s >= total:
                raise ToolInputError(f"bar {s_bar} starts at {start_s:.2f}s, after the end of the "
                                     f"{total:.2f}s clip ({g.bars_in(total):.1f} bars at {g.tempo_bpm:g} BPM)")
        start = 0.0 if start_s is None else float(start_s)
        end = total if end_s is None else min(float(end_s), total)
        if start >= total:
            raise ToolInputError(f"start {start:.2f}s is past the end of the {total:.2f}s clip")
        if end <= start:
            raise ToolInputError(f"range {start:.2f}–{end:.2f}s is empty (clip lasts {total:.2f}s)")
        return start, end

    # ---- staging changes ------------------------------------------------------------------------
    def set_clip(self, target: str, clip: Clip) -> None:
        if target != "mix":
            _check_stem_name(target)
            self.removed.discard(target)
        ref = self.staged.get("mix") or self._clips.get("mix")
        if ref is not None and clip.sample_rate != ref.sample_rate and target != "mix":
            raise ToolInputError(f"stem {target!r} is at {clip.sample_rate} Hz but the session is at "
                                 f"{ref.sample_rate} Hz; resample it first")
        self.staged[target] = clip

    def remove_stem(self, name: str) -> None:
        if name not in self.stem_names():
            raise ToolInputError(self.unknown_target_message(name))
        self.staged.pop(name, None)
        self.removed.add(name)

    def clear_bus(self) -> None:
        """Forget the mix-bus moves: the new content is not the music they were made for."""
        self.bus_cleared = True

    def set_asset(self, name: str, data: bytes) -> None:
        self.new_assets[name] = data

    @property
    def changed(self) -> bool:
        return bool(self.staged or self.removed or self.new_assets or self.bus_cleared)


def _check_stem_name(name: str) -> None:
    if not name or len(name) > 40 or not name.replace("_", "").replace("-", "").isalnum():
        raise ToolInputError(f"stem name {name!r} is not usable; use a short word such as "
                             f"{', '.join(STEM_NAMES[:6])}")
