"""Nearest action intent by embedding similarity over the exemplar utterances (``prompts/exemplars.yaml``).

Stem names are replaced by one neutral word in both exemplars and requests, so "compress the bass" is
not pulled towards "take out the bass" just because both say "bass": the verb phrase decides.

The exemplars are embedded only when a request first needs them (a request said in lexicon words never
does), through the embedder's on-disk cache, so later processes skip the encode.
"""

from __future__ import annotations

import re

import numpy as np

from bandmate.agent.vocabulary import STEM_ALIASES
from bandmate.memory.lexicon import load_exemplars

_STEMS = re.compile(r"\b(" + "|".join(re.escape(a) for a in sorted((a for a in STEM_ALIASES if len(a) > 2),
                                                                   key=len, reverse=True)) + r")\b")


def neutral(text: str) -> str:
    return re.sub(r"\s+", " ", _STEMS.sub("part", text.lower())).strip()


class IntentMatcher:
    def __init__(self, embedder, exemplars: dict[str, list[str]] | None = None):
        self.exemplars = exemplars if exemplars is not None else load_exemplars()
        self._labels = [i for i, us in self.exemplars.items() for _ in us]
        self._texts = [u for us in self.exemplars.values() for u in us]
        self._embedder = embedder
        self._m: np.ndarray | None = None

    @property
    def _matrix(self) -> np.ndarray:
        if self._m is None:
            self._m = self._load_or_encode()
        return self._m

    def _load_or_encode(self) -> np.ndarray:
        texts = [neutral(t) for t in self._texts]
        cached = getattr(self._embedder, "encode_cached", None)
        return np.asarray(cached(texts) if cached is not None else self._embedder.encode(texts), np.float32)

    def best(self, text: str, vector=None) -> tuple[str, float, str]:
        """(intent, cosine similarity, nearest exemplar); ``vector`` = embedding of ``neutral(text)``."""
        v = vector if vector is not None else self._embedder.encode([neutral(text)])[0]
        sims = self._matrix @ v
        i = int(np.argmax(sims))
        return self._labels[i], float(sims[i]), self._texts[i]
