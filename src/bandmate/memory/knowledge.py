"""The knowledge base: lexicon entries, their example utterances and users' corrections in chromadb.

Retrieval embeds the request and searches two collections: ``lexicon`` (one document per entry plus
one per example utterance, all carrying the entry's term) and ``corrections`` (what a given user said
a word means). A correction by the same user that matches well wins over the lexicon (it gets a
fixed similarity bonus) — that is how Bandmate learns a person's vocabulary.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bandmate.memory.embedder import Embedder
from bandmate.memory.lexicon import LexiconEntry, load_lexicon

CORRECTION_BONUS = 0.15
NEGATIVE_PHRASING = re.compile(r"\b(less|too|not|no|without|fewer)\b|n't\b", re.I)


@dataclass(frozen=True)
class Hit:
    term: str               # lexicon term, '@intent' for an action exemplar, or a corrected word

    score: float            # cosine similarity (+ bonus for the user's own corrections)
    source: str             # 'entry' | 'example' | 'correction'
    text: str               # the matched document
    meaning: str | None = None  # for corrections: what the user said the word means


@dataclass(frozen=True)
class Correction:
    user: str
    word: str
    meaning: str
    utterance: str
    created_at: float


class KnowledgeBase:
    def __init__(self, home: Path, *, embedder: Embedder | None = None,
                 lexicon: dict[str, LexiconEntry] | None = None):
        import chromadb

        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self.embedder = embedder or Embedder()
        path = Path(home) / "knowledge"
        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(
            anonymized_telemetry=False, allow_reset=False))
        fn = self.embedder.as_chroma()
        meta = {"hnsw:space": "cosine"}
        self._lex = self._client.get_or_create_collection("lexicon", embedding_function=fn, metadata=meta)
        self._corr = self._client.get_or_create_collection("corrections", embedding_function=fn,
                                                           metadata=meta)
        self._synced = False  # the lexicon index is checked (and built) when retrieval first needs it

    def _docs(self) -> tuple[list[str], list[str], list[dict]]:
        ids, docs, metas = [], [], []
        for term, e in self.lexicon.items():
            ids.append(f"entry:{term}")
            docs.append(e.document())
            metas.append({"term": term, "source": "entry"})
            for i, ex in enumerate([*e.aliases, *e.examples]):
                if NEGATIVE_PHRASING.search(ex):
                    continue  # an example must ask FOR the quality; polarity comes from the request
                ids.append(f"ex:{term}:{i}")
                docs.append(ex)
                metas.append({"term": term, "source": "example"})
        return ids, docs, metas

    def _sync_lexicon(self) -> None:
        """(Re)index the lexicon when its content changed since the store was built."""
        ids, docs, metas = self._docs()
        digest = hashlib.sha256(json.dumps([ids, docs]).encode()).hexdigest()[:16]
        marker = self._client.get_or_create_collection("meta")
        got = marker.get(ids=["lexicon_digest"])
        if got["documents"] and got["documents"][0] == digest and self._lex.count() == len(ids):
            return
        existing = self._lex.get(include=[])["ids"]
        if existing:
            self._lex.delete(ids=existing)
        vectors = self.embedder.encode_cached(docs) if hasattr(self.embedder, "encode_cached") \
            else self.embedder.encode(docs)
        for a in range(0, len(ids), 2000):
            self._lex.add(ids=ids[a:a + 2000], documents=docs[a:a + 2000], metadatas=metas[a:a + 2000],
                          embeddings=[v for v in vectors[a:a + 2000]])
        marker.upsert(ids=["lexicon_digest"], documents=[digest], embeddings=[[0.0]])

    # ---- retrieval --------------------------------------------------------------------------------
    def retrieve(self, query: str, *, user: str = "default", k: int = 5, vector=None) -> list[Hit]:
        """Best distinct terms for ``query``, the user's own corrections first when they match well.

        ``vector``: the query's embedding when the caller already has it (saves an encode).
        """
        if not self._synced:
            self._sync_lexicon()
            self._synced = True
        vec = [vector] if vector is not None else self.embedder.encode([query])
        hits: list[Hit] = []
        res = self._lex.query(query_embeddings=[vec[0]], n_results=min(max(k * 4, 10), self._lex.count()))
        for doc, meta, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True):
            hits.append(Hit(meta["term"], 1.0 - float(dist), meta["source"], doc))
        if self._corr.count():
            res = self._corr.query(query_embeddings=[vec[0]], n_results=min(5, self._corr.count()),
                                   where={"user": user})
            for doc, meta, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0],
                                       strict=True):
                hits.append(Hit(meta["word"], 1.0 - float(dist) + CORRECTION_BONUS, "correction", doc,
                                meaning=meta["meaning"]))
        best: dict[tuple[str, bool], Hit] = {}
        for h in sorted(hits, key=lambda h: -h.score):
            best.setdefault((h.term, h.source == "correction"), h)
        return sorted(best.values(), key=lambda h: -h.score)[:k]

    def similarity(self, a: list[str], b: list[str]):
        """Cosine similarity matrix between two lists of texts."""
        return self.embedder.encode(a) @ self.embedder.encode(b).T

    # ---- corrections ------------------------------------------------------------------------------
    def add_correction(self, *, user: str, word: str, meaning: str, utterance: str = "") -> Correction:
        """Remember that, for ``user``, ``word`` means ``meaning`` (e.g. 'warm' -> 'less harsh highs')."""
        c = Correction(user, word.strip().lower(), meaning.strip(), utterance, time.time())
        old = self._corr.get(where={"$and": [{"user": user}, {"word": c.word}]}, include=[])["ids"]
        if old:  # the newest meaning replaces an older one for the same word
            self._corr.delete(ids=old)
        docs = [c.word, f"{c.word} {meaning}", f"make it {c.word}", f"more {c.word}"]
        self._corr.add(ids=[f"{user}:{uuid.uuid4().hex[:8]}:{i}" for i in range(len(docs))], documents=docs,
                       metadatas=[{"user": user, "word": c.word, "meaning": c.meaning,
                                   "utterance": utterance, "created_at": c.created_at}] * len(docs))
        return c

    def corrections(self, user: str) -> list[Correction]:
        got = self._corr.get(where={"user": user})
        seen: dict[tuple[str, float], Correction] = {}
        for m in got["metadatas"]:
            seen[(m["word"], m["created_at"])] = Correction(user, m["word"], m["meaning"], m["utterance"],
                                                            m["created_at"])
        return sorted(seen.values(), key=lambda c: c.created_at)
