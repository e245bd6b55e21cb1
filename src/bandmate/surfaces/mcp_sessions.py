"""Session verbs and resources of the MCP server.

Tools: ``session_new``, ``session_list``, ``session_show``, ``session_history``, ``session_undo``,
``session_redo``, ``session_checkout``, ``session_export``. Resources (JSON):
``bandmate://sessions``, ``bandmate://sessions/{session_id}``, ``bandmate://sessions/{session_id}/history``.
Paths are accepted only under ``Settings.mcp_roots`` (BANDMATE_MCP_ROOTS); others are refused.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from bandmate.core.errors import BandmateError, ToolInputError
from bandmate.core.settings import Settings
from bandmate.memory.store import Store
from bandmate.surfaces import sessions as sv

SESSION_VERBS = ("session_new", "session_list", "session_show", "session_history", "session_undo",
                 "session_redo", "session_checkout", "session_export")
SessionId = Annotated[str, Field(description="Session id (from session_new or session_list).",
                                 min_length=1, max_length=64)]


def _tool_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A Bandmate error becomes an MCP tool error whose text is the error's own message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            return fn(*args, **kwargs)
        except BandmateError as err:
            raise ToolError(f"{type(err).__name__}: {err}") from err

    return wrapper


def add_session_verbs(server: Any, store: Store, settings: Settings, *, reserved: set[str]) -> None:
    from bandmate.surfaces.mcp_agent import AGENT_VERBS

    clash = reserved.intersection((*SESSION_VERBS, *AGENT_VERBS))
    if clash:
        raise ValueError(f"tool names {sorted(clash)} clash with the MCP session verbs")
    _add_creation(server, store, settings)
    _add_navigation(server, store, settings)
    _add_resources(server, store)
    from bandmate.surfaces.mcp_agent import add_agent_verbs
    from bandmate.surfaces.mcp_audio import add_audio_resources

    add_audio_resources(server, store)
    add_agent_verbs(server, store, settings, _tool_errors)


def _add_creation(server: Any, store: Store, settings: Settings) -> None:
    roots = settings.mcp_roots

    @server.tool(name="session_new")
    @_tool_errors
    def session_new(
        audio_path: Annotated[str | None, Field(description="Absolute path of an audio file (wav, flac, ogg, "
                                                            "mp3) to use as the mix.")] = None,
        stems_dir: Annotated[str | None, Field(description="Absolute path of a directory holding one "
                                                           "<stem>.wav|flac|ogg|mp3 file per stem.")] = None,
        audio_base64: Annotated[str | None, Field(description="Audio file content, base64-encoded (instead of a "
                                                              "path; up to 32 MB).")] = None,
        audio_mime_type: Annotated[str, Field(description="MIME type of audio_base64: audio/wav, audio/flac, "
                                                          "audio/ogg or audio/mpeg.", max_length=40)] = "audio/wav",
        name: Annotated[str, Field(description="A name for the session.", max_length=80)] = "",
        tempo_bpm: Annotated[float | None, Field(description="Tempo in BPM, if known.", ge=20, le=400)] = None,
        key: Annotated[str | None, Field(description="Musical key, e.g. 'F major'.", max_length=24)] = None,
    ) -> dict[str, Any]:
        """Create a session from an audio file, base64 audio or a stems directory (paths under the allowed roots)."""
        from bandmate.surfaces.mcp_audio import decode_base64_audio

        if audio_base64 is not None:
            if audio_path or stems_dir:
                raise ToolInputError("give one of audio_path, audio_base64 or stems_dir")
            upload = decode_base64_audio(audio_base64, audio_mime_type)
            try:
                sid = sv.new_session_from_files(store, audio=upload, name=name or "upload", tempo_bpm=tempo_bpm,
                                                key=key)
            finally:
                upload.unlink(missing_ok=True)
            return sv.session_summary(store, sid)
        audio = sv.check_under_roots(audio_path, roots) if audio_path else None
        stems = sv.check_under_roots(stems_dir, roots) if stems_dir else None
        sid = sv.new_session_from_files(store, audio=audio, stems_dir=stems, name=name, tempo_bpm=tempo_bpm,
                                        key=key, roots=roots)
        return sv.session_summary(store, sid)

    @server.tool(name="session_export")
    @_tool_errors
    def session_export(
        session_id: SessionId,
        out_dir: Annotated[str, Field(description="Absolute directory to write into (under the allowed roots).")],
        format: Annotated[Literal["wav", "flac"], Field(description="Audio file format.")] = "wav",
        version: Annotated[int | None, Field(description="Version to export; default the head.", ge=1)] = None,
    ) -> dict[str, Any]:
        """Write a version's mix, stems, MIDI and history.json into a directory."""
        from bandmate.memory.session import Session

        out = sv.check_under_roots(out_dir, roots)
        sv.check_export_folder(Path(out_dir).expanduser())
        written = Session(store, session_id).export(out, fmt=format, version_id=version)
        return {"session_id": session_id, "files": [str(p) for p in written]}


def _add_navigation(server: Any, store: Store, settings: Settings) -> None:
    @server.tool(name="session_list")
    @_tool_errors
    def session_list() -> dict[str, Any]:
        """List stored sessions (id, name, head version, number of versions)."""
        return {"sessions": sv.session_list(store)}

    @server.tool(name="session_show")
    @_tool_errors
    def session_show(session_id: SessionId) -> dict[str, Any]:
        """Show a session: head version, stems, mix format and the musical state (tempo, key, chords...)."""
        return sv.session_summary(store, session_id, full_state=True)

    @server.tool(name="session_history")
    @_tool_errors
    def session_history(session_id: SessionId) -> dict[str, Any]:
        """Every version of a session with the tool call that made it; the head is marked."""
        return {"session_id": session_id, "versions": sv.session_history(store, session_id)}

    def moved(session_id: str) -> dict[str, Any]:
        v = store.version(session_id)
        return {"session_id": session_id, "head": v.id, "step": sv.step_summary(v.step)}

    @server.tool(name="session_undo")
    @_tool_errors
    def session_undo(session_id: SessionId) -> dict[str, Any]:
        """Go back one version (the undone version can be restored with session_redo)."""
        store.undo(session_id)
        return moved(session_id)

    @server.tool(name="session_redo")
    @_tool_errors
    def session_redo(session_id: SessionId) -> dict[str, Any]:
        """Restore the version most recently undone."""
        store.redo(session_id)
        return moved(session_id)

    @server.tool(name="session_checkout")
    @_tool_errors
    def session_checkout(session_id: SessionId,
                         version: Annotated[int, Field(description="Version id to make the head.", ge=1)]
                         ) -> dict[str, Any]:
        """Make an earlier (or any) version the head; later edits branch from it."""
        store.checkout(session_id, version)
        return moved(session_id)


def _add_resources(server: Any, store: Store) -> None:
    def read(fn: Callable[[], Any]) -> str:
        from mcp.server.mcpserver.exceptions import ResourceError

        try:
            return json.dumps(fn(), indent=2)
        except BandmateError as err:
            raise ResourceError(f"{type(err).__name__}: {err}") from err

    @server.resource("bandmate://sessions", name="sessions", mime_type="application/json",
                     description="Stored sessions.")
    def sessions() -> str:
        return read(lambda: sv.session_list(store))

    @server.resource("bandmate://sessions/{session_id}", name="session", mime_type="application/json",
                     description="One session: head, stems, mix format, state table.")
    def session(session_id: str) -> str:
        return read(lambda: sv.session_summary(store, session_id, full_state=True))

    @server.resource("bandmate://sessions/{session_id}/history", name="session_history",
                     mime_type="application/json", description="Every version of one session.")
    def history(session_id: str) -> str:
        return read(lambda: sv.session_history(store, session_id))
