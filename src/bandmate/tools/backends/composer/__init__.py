"""The embedded symbolic composer: text and controls in, a multi-track arrangement of notes out.

Entry points (see ``compose.py``): ``compose``, ``compose_range``, ``compose_part``; the request model
``Controls`` and ``parse_prompt`` (``controls.py``); the note containers ``Note``, ``Part``,
``Arrangement`` and ``to_midi_bytes`` (``arrangement.py``). Audio rendering lives in
``bandmate.tools.backends.render``.
"""

from bandmate.tools.backends.composer.arrangement import Arrangement, Note, Part, to_midi_bytes
from bandmate.tools.backends.composer.compose import compose, compose_part, compose_range
from bandmate.tools.backends.composer.controls import Controls, parse_prompt

__all__ = ["Arrangement", "Controls", "Note", "Part", "compose", "compose_part", "compose_range",
           "parse_prompt", "to_midi_bytes"]
