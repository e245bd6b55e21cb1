"""Session verbs shared by the CLI and the MCP server: create from files, summarise, list history.

A stems directory holds one audio file per stem named ``<stem>.wav|flac|ogg|mp3``; every file must
share one sample rate (nothing is resampled silently) and the mix is their plain sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bandmate.core.errors import ToolInputError
from bandmate.memory.store import Store, Version

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
MIN_TEMPO_BPM, MAX_TEMPO_BPM = 20.0, 400.0
MAX_STEM_NAME = 40


def new_session_from_files(store: Store, *, audio: str | Path | None = None, stems_dir: str | Path | None = None,
                           name: str = "", tempo_bpm: float | None = None, key: str | None = None,
                           roots: Sequence[Path] | None = None) -> str:
    """Create a session from one audio file (the mix) or a directory of stems; returns its id."""
    from bandmate.core.audio_io import load
    from bandmate.memory.state import StateTable
    from bandmate.tools.mixing import sum_stems

    if (audio is None) == (stems_dir is None):
        raise ToolInputError("give exactly one of an audio file (--audio FILE) or a stems directory "
                             "(--stems DIR)" + (", not both" if audio is not None else ""))
    state = StateTable(tempo_bpm=_check_tempo(tempo_bpm), key=_check_key(key))
    if audio is not None:
        mix = load(audio)
        return store.create_session(mix=mix, state=state, name=name or Path(audio).stem,
                                    step=_create_step([mix]))
    paths = stem_files(stems_dir, roots)
    stems = {stem: load(p) for stem, p in paths.items()}
    rates = {stem: c.sample_rate for stem, c in stems.items()}
    if len(set(rates.values())) > 1:
        listed = ", ".join(f"{s} {r} Hz" for s, r in rates.items())
        raise ToolInputError(f"stems must share one sample rate; got {listed}. Resample them to one rate first")
    state.instrumentation = list(stems)
    mix = sum_stems(stems, state, next(iter(rates.values())))
    return store.create_session(mix=mix, stems=stems, state=state, name=name or Path(stems_dir).name,
                                step=_create_step(list(stems.values())))


def _create_step(clips: list) -> dict[str, Any]:
    """The first version's step; load warnings (e.g. a truncated file) are kept where clients see them."""
    warnings = [p.removeprefix("warning: ") for c in clips for p in c.provenance if p.startswith("warning: ")]
    step: dict[str, Any] = {"tool": "create", "args": {}, "summary": "new session"}
    if warnings:
        step["warnings"] = warnings
    return step


def stem_files(stems_dir: str | Path, roots: Sequence[Path] | None = None) -> dict[str, Path]:
    """``{stem name: file}`` for a stems directory, refusing anything ambiguous.

    With ``roots`` (the MCP server), every link in the folder must resolve inside them; a link leading
    outside gets one message whether or not its target exists (no existence oracle).
    """
    d = Path(stems_dir)
    if not d.is_dir():
        raise ToolInputError(f"stems directory {str(d)!r} does not exist or is not a directory")
    if roots is not None:
        _check_links_inside(d, roots)
    files = sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith("."))
    other = [p.name for p in files if p.suffix.lower() not in AUDIO_SUFFIXES]
    if other:
        raise ToolInputError(f"{d} holds non-audio files {other}; expected only <stem>"
                             f"{'|'.join(AUDIO_SUFFIXES)} files. Move the others out")
    found: dict[str, Path] = {}
    for p in files:
        stem = p.stem
        if stem in found:
            raise ToolInputError(f"two files for stem {stem!r}: {found[stem].name} and {p.name}; keep one")
        if stem == "mix" or not stem or len(stem) > MAX_STEM_NAME:
            raise ToolInputError(f"{p.name}: a stem name must be 1–{MAX_STEM_NAME} characters and not 'mix'")
        found[stem] = p
    if not found:
        raise ToolInputError(f"{d} holds no audio files; expected <stem>.wav, <stem>.flac, … one per stem")
    return found


def _check_links_inside(d: Path, roots: Sequence[Path]) -> None:
    for p in sorted(d.iterdir()):
        if p.is_symlink() and not _under(p.resolve(strict=False), roots):
            raise ToolInputError(f"{d} holds a link ({p.name}) that leads outside the allowed directories; "
                                 "copy the audio file into the folder instead of linking it")


def _under(resolved: Path, roots: Sequence[Path]) -> bool:
    return any(resolved.is_relative_to(Path(r).expanduser().resolve()) for r in roots)


def check_export_folder(out: Path) -> None:
    """Refuse to export into a folder holding links: writes never follow a link (history.json, stems/...)."""
    if out.is_symlink():
        raise ToolInputError(f"export folder {str(out)!r} is a link; give a real directory")
    if not out.exists():
        return
    if not out.is_dir():
        raise ToolInputError(f"export path {str(out)!r} exists and is not a directory")
    links = [str(p.relative_to(out)) for sub in (out, out / "stems", out / "midi")
             if sub.is_dir() and not sub.is_symlink() for p in sorted(sub.iterdir()) if p.is_symlink()]
    if links:
        raise ToolInputError(f"export folder {str(out)!r} holds links ({', '.join(links[:5])}); Bandmate never "
                             "writes through a link: remove them or export into an empty folder")


def check_under_roots(path: str | Path, roots: Sequence[Path]) -> Path:
    """``path`` resolved, if it lies under one of ``roots``; otherwise a ToolInputError saying why."""
    p = Path(path).expanduser()
    if not p.is_absolute():
        raise ToolInputError(f"path {str(path)!r} is relative; give an absolute path under one of the "
                             f"allowed directories: {_roots_text(roots)}")
    resolved = p.resolve()
    if not roots:
        raise ToolInputError("this server may not touch files: no directories are allowed. Start it with "
                             "BANDMATE_MCP_ROOTS set to the directories it may use")
    if not _under(resolved, roots):
        raise ToolInputError(f"path {str(path)!r} is outside the allowed directories ({_roots_text(roots)}); "
                             "move the file there or add its directory to BANDMATE_MCP_ROOTS")
    return resolved


def _roots_text(roots: Sequence[Path]) -> str:
    return ", ".join(str(r) for r in roots) or "none"


def _check_tempo(tempo_bpm: float | None) -> float | None:
    if tempo_bpm is not None and not MIN_TEMPO_BPM <= tempo_bpm <= MAX_TEMPO_BPM:
        raise ToolInputError(f"tempo {tempo_bpm} BPM is outside {MIN_TEMPO_BPM:g}–{MAX_TEMPO_BPM:g} BPM")
    return tempo_bpm


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 24:
        raise ToolInputError(f"key {key!r} should be a short name such as 'F major', 'A minor' or 'A:min'")
    return key


# ---- read-only views ----------------------------------------------------------------------------
def step_summary(step: dict[str, Any]) -> str:
    result = step.get("result")
    if isinstance(result, dict) and result.get("summary"):
        return str(result["summary"])
    return str(step.get("summary") or step.get("tool") or "")


def session_summary(store: Store, session_id: str, *, full_state: bool = False) -> dict[str, Any]:
    """Head, versions, stems, the mix's format and the state table of one session."""
    info = store.info(session_id)
    head = store.version(session_id)
    mix = store.clip(head.mix)
    return {"id": info.id, "name": info.name, "user": info.user, "created_at": info.created_at,
            "head": info.head, "versions": info.versions, "redo": info.redo,
            "mix": {"duration_s": round(mix.frames / mix.sample_rate, 4), "sample_rate": mix.sample_rate,
                    "channels": mix.channels},
            "stems": list(head.stems), "assets": list(head.assets),
            "state": head.state.to_json() if full_state else head.state.brief(),
            "last_step": {"tool": head.step.get("tool"), "summary": step_summary(head.step)},
            "warnings": store.version(session_id, 1).step.get("warnings", [])}


def session_list(store: Store) -> list[dict[str, Any]]:
    return [{"id": s.id, "name": s.name, "head": s.head, "versions": s.versions, "created_at": s.created_at}
            for s in store.list_sessions()]


def session_history(store: Store, session_id: str) -> list[dict[str, Any]]:
    head = store.info(session_id).head
    return [_history_row(v, head) for v in store.history(session_id)]


def _history_row(v: Version, head: int) -> dict[str, Any]:
    return {"version": v.id, "parent": v.parent, "head": v.id == head, "created_at": v.created_at,
            "tool": v.step.get("tool"), "args": v.step.get("args", {}), "summary": step_summary(v.step)}
