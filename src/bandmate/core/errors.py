"""One exception tree for the whole project.

`ToolInputError`: the caller (a user or a model) can fix the call. `ToolFailed`: the tool could not do
it and says why. `SessionError`: a session, version or stored object is missing or unusable.
Anything else escaping a tool is a bug.
"""

from __future__ import annotations


class BandmateError(Exception):
    """Root of every error Bandmate raises on purpose."""


class ToolInputError(BandmateError, ValueError):
    """Bad input that the caller can correct: the message says what was received and what is expected."""


class ToolFailed(BandmateError, RuntimeError):
    """The tool understood the call but could not carry it out."""


class BackendUnavailable(ToolFailed):
    """A model or library backend is not installed or its weights are not found."""


class SessionError(BandmateError, LookupError):
    """A session, version, stem or stored blob does not exist or cannot be used."""


class SessionChanged(ToolFailed):
    """The session's head moved (another client committed) while a call ran on the old head."""


QUOTE_LIMIT = 200  # characters of a received value an error message repeats


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters, so a huge input never comes back in its own error."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


class ToolCancelled(ToolFailed):
    """The caller cancelled the call; nothing was committed."""
