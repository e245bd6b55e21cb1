"""A handle on one stored session: the current version, its audio, undo/redo, A/B and export."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bandmate.core.audio_io import save
from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.memory.store import Store, Version


@dataclass
class Session:
    store: Store
    id: str

    @property
    def head(self) -> Version:
        return self.store.version(self.id)

    def version(self, version_id: int | None = None) -> Version:
        return self.store.version(self.id, version_id)

    def mix(self, version_id: int | None = None) -> Clip:
        v = self.version(version_id)
        return self.store.clip(v.mix, f"session {self.id} v{v.id} mix")

    def stem(self, name: str, version_id: int | None = None) -> Clip:
        v = self.version(version_id)
        if name not in v.stems:
            raise ToolInputError(f"version {v.id} has no stem {name!r}; stems: {', '.join(v.stems) or 'none'}")
        return self.store.clip(v.stems[name], f"session {self.id} v{v.id} {name}")

    def stems(self, version_id: int | None = None) -> dict[str, Clip]:
        v = self.version(version_id)
        return {n: self.store.clip(k, f"session {self.id} v{v.id} {n}") for n, k in v.stems.items()}

    def undo(self) -> Version:
        return self.store.undo(self.id)

    def redo(self) -> Version:
        return self.store.redo(self.id)

    def checkout(self, version_id: int) -> Version:
        return self.store.checkout(self.id, version_id)

    def history(self) -> list[Version]:
        return self.store.history(self.id)

    def ab(self, a: int, b: int, target: str = "mix") -> tuple[Clip, Clip]:
        """The same target in two versions, for A/B listening or measuring."""
        if target == "mix":
            return self.mix(a), self.mix(b)
        return self.stem(target, a), self.stem(target, b)

    def export(self, out_dir: str | Path, fmt: str = "wav", version_id: int | None = None) -> list[Path]:
        """Write the mix, every stem and the history (JSON) of a version into ``out_dir``."""
        if fmt not in ("wav", "flac"):
            raise ToolInputError(f"export format {fmt!r} unsupported; use 'wav' or 'flac'")
        out = Path(out_dir)
        v = self.version(version_id)
        written = [save(self.mix(v.id), out / f"mix.{fmt}")]
        for name, clip in self.stems(v.id).items():
            written.append(save(clip, out / "stems" / f"{name}.{fmt}"))
        for aname, key in v.assets.items():
            if aname.startswith("midi:"):
                # asset names come from tool calls: keep them from naming a path outside out_dir
                part = re.sub(r"[^\w-]", "_", aname.split(":", 1)[1]) or "part"
                p = out / "midi" / f"{part}.mid"
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(self.store.blobs.get_bytes(key))
                written.append(p)
        hist = out / "history.json"
        info = self.store.info(self.id)
        hist.write_text(json.dumps({"session": self.id, "name": info.name, "head": info.head,
                                    "versions": [h.to_json() for h in self.history()]}, indent=2))
        written.append(hist)
        return written
