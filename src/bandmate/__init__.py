"""Bandmate: a conversational music collaborator."""

__version__ = "0.1.0"
