"""Settings read from the environment, once per process entry point, passed down explicitly.

| variable | meaning |
| --- | --- |
| BANDMATE_HOME | data directory (sessions, blobs, knowledge base); default: the platform's user data dir |
| BANDMATE_SOUNDFONT | a General-MIDI .sf2 for rendering; default: the Debian FluidR3_GM path if present |
| BANDMATE_MUSICGEN | local directory of a MusicGen checkpoint (transformers format) or a hub id in the HF cache |
| BANDMATE_DEMUCS | local htdemucs checkpoint file (.th) or directory of them |
| BANDMATE_SPLEETER | Spleeter 2-stem weights: a converted .npz or the checkpoint's `2stems` directory; default: the venv's `share/bandmate/spleeter_2stems.npz` |
| BANDMATE_GENERATOR | `symbolic` (default) or `musicgen` |
| BANDMATE_SEPARATOR | `auto` (default: demucs when its weights are set, else spleeter + DSP, else dsp), `spleeter`, `dsp` or `demucs` |
| BANDMATE_ANALYZER | `auto` (default: madmom if importable, else librosa), `madmom` or `librosa` |
| BANDMATE_LLM_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL | the OpenAI-compatible LLM planner |
| BANDMATE_MCP_ROOTS | os.pathsep-separated directories the MCP server may read audio files from |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEBIAN_SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")


@dataclass(frozen=True)
class Settings:
    home: Path | None = None
    soundfont: Path | None = None
    musicgen: str | None = None
    demucs: str | None = None
    spleeter: str | None = None
    generator: str = "symbolic"
    separator: str = "auto"
    analyzer: str = "auto"
    llm_model: str | None = None
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    mcp_roots: tuple[Path, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        sf2 = e.get("BANDMATE_SOUNDFONT")
        if sf2 is None:
            sf2 = next((p for p in DEBIAN_SOUNDFONTS if Path(p).is_file()), None)
        roots = tuple(Path(p) for p in e.get("BANDMATE_MCP_ROOTS", "").split(os.pathsep) if p)
        return cls(
            home=Path(e["BANDMATE_HOME"]).expanduser() if e.get("BANDMATE_HOME") else None,
            soundfont=Path(sf2) if sf2 else None,
            musicgen=e.get("BANDMATE_MUSICGEN") or None,
            demucs=e.get("BANDMATE_DEMUCS") or None,
            spleeter=e.get("BANDMATE_SPLEETER") or None,
            generator=e.get("BANDMATE_GENERATOR", "symbolic"),
            separator=e.get("BANDMATE_SEPARATOR", "auto"),
            analyzer=e.get("BANDMATE_ANALYZER", "auto"),
            llm_model=e.get("BANDMATE_LLM_MODEL") or None,
            openai_base_url=e.get("OPENAI_BASE_URL") or None,
            openai_api_key=e.get("OPENAI_API_KEY") or None,
            mcp_roots=roots,
        )
