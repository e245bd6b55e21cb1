"""The knowledge base: lexicon entries, their example utterances and users' corrections in chromadb.

Retrieval embeds the request and searches two collections: ``lexicon`` (one document per entry plus
one per example utterance, all carrying the entry's term) and ``corrections`` (what a given user said
a word means). A correction by the same user that matches well wins over the lexicon (it gets a
fixed similarity bonus) — that is how Bandmate learns a person's vocabulary. A correction only applies
to a request that uses its word (or a plain inflection: warm, warmer, warmth), so one wrong correction
cannot take over unrelated requests; each has a number (``Correction.id``) by which it is listed and
forgotten (``bandmate kb corrections``, ``bandmate kb forget ID``).

The lexicon index is built on first retrieval, so listing or forgetting corrections needs no embedding.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bandmate.core.errors import ToolInputError
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
    correction_id: int | None = None  # for corrections: its number (``bandmate kb corrections``)


@dataclass(frozen=True)
class Correction:
    user: str
    word: str
    meaning: str
    utterance: str
    created_at: float
    id: int = 0

    def to_json(self) -> dict:
        return {"id": self.id, "user": self.user, "word": self.word, "meaning": self.meaning,
                "utterance": self.utterance, "created_at": self.created_at}


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
        """Best distinct terms for ``query``; a correction of a word the query uses comes first.

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
        for c in self.corrections(user) if self._corr.count() else []:
            if mentions(c.word, query):  # the user's meaning of a word applies where they use that word
                hits.append(Hit(c.word, 1.0 + CORRECTION_BONUS, "correction", f"{c.word}: {c.meaning}",
                                meaning=c.meaning, correction_id=c.id))
        best: dict[tuple[str, bool], Hit] = {}
        for h in sorted(hits, key=lambda h: -h.score):
            best.setdefault((h.term, h.source == "correction"), h)
        return sorted(best.values(), key=lambda h: -h.score)[:k]

    def similarity(self, a: list[str], b: list[str]):
        """Cosine similarity matrix between two lists of texts."""
        return self.embedder.encode(a) @ self.embedder.encode(b).T

    # ---- corrections ------------------------------------------------------------------------------
    def add_correction(self, *, user: str, word: str, meaning: str, utterance: str = "") -> Correction:
        """Remember that, for ``user``, ``word`` means ``meaning`` (e.g. 'warm' -> 'less harsh highs').

        The newest meaning replaces an older one for the same word and user; the new one gets a new number.
        """
        word = word.strip().lower()
        if not word or not meaning.strip():
            raise ToolInputError(f"a correction needs a word and a meaning; got word {word!r}, meaning "
                                 f"{meaning!r} (e.g. word 'warm', meaning 'less harsh highs')")
        self._number_legacy()
        old = self._corr.get(where={"$and": [{"user": user}, {"word": word}]}, include=[])["ids"]
        if old:
            self._corr.delete(ids=old)
        c = Correction(user, word, meaning.strip(), utterance, time.time(), self._next_id())
        docs = [c.word, f"{c.word} {c.meaning}", f"make it {c.word}", f"more {c.word}"]
        self._corr.add(ids=[f"{user}:{uuid.uuid4().hex[:8]}:{i}" for i in range(len(docs))], documents=docs,
                       metadatas=[{"user": user, "word": c.word, "meaning": c.meaning, "utterance": utterance,
                                   "created_at": c.created_at, "cid": c.id}] * len(docs))
        return c

    def corrections(self, user: str | None = None) -> list[Correction]:
        """Stored corrections, oldest first: one user's, or everyone's with ``user=None``."""
        self._number_legacy()
        got = self._corr.get(where={"user": user}) if user is not None else self._corr.get()
        seen: dict[int, Correction] = {}
        for m in got["metadatas"]:
            seen[int(m["cid"])] = Correction(m["user"], m["word"], m["meaning"], m.get("utterance", ""),
                                             m["created_at"], int(m["cid"]))
        return sorted(seen.values(), key=lambda c: (c.created_at, c.id))

    def correction(self, correction_id: int) -> Correction | None:
        return next((c for c in self.corrections() if c.id == int(correction_id)), None)

    def forget(self, correction_id: int) -> Correction:
        """Remove correction number ``correction_id``; returns what it said."""
        c = self.correction(correction_id)
        if c is None:
            known = ", ".join(f"#{x.id}" for x in self.corrections()) or "none"
            raise ToolInputError(f"no correction #{correction_id}; stored: {known} "
                                 "(list them with `bandmate kb corrections`)")
        self._corr.delete(where={"cid": c.id})
        return c

    def forget_correction(self, *, user: str, word: str) -> int:
        """Forget what ``user`` said ``word`` means; returns how many corrections went (0 or 1)."""
        gone = [c for c in self.corrections(user) if c.word == word.strip().lower()]
        for c in gone:
            self._corr.delete(where={"cid": c.id})
        return len(gone)

    def _next_id(self) -> int:
        """A number never given before, even to a correction since forgotten."""
        marker = self._client.get_or_create_collection("meta")
        got = marker.get(ids=["corrections_issued"])
        issued = int(got["documents"][0]) if got["documents"] else 0
        metas = self._corr.get(include=["metadatas"])["metadatas"]
        n = 1 + max([issued, *(int(m.get("cid", 0)) for m in metas)])
        marker.upsert(ids=["corrections_issued"], documents=[str(n)], embeddings=[[0.0]])
        return n

    def _number_legacy(self) -> None:
        """Give corrections stored before they had numbers one each (one per word and time)."""
        got = self._corr.get(include=["metadatas"])
        todo = [(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True) if "cid" not in m]
        if not todo:
            return
        nxt = 1 + max((int(m.get("cid", 0)) for m in got["metadatas"]), default=0)
        given: dict[tuple[str, str, float], int] = {}
        for _, m in todo:
            key = (m["user"], m["word"], m["created_at"])
            if key not in given:
                given[key], nxt = nxt, nxt + 1
        self._corr.update(ids=[i for i, _ in todo],
                          metadatas=[{**m, "cid": given[(m["user"], m["word"], m["created_at"])]} for _, m in todo])


def mentions(word: str, text: str) -> bool:
    """``text`` uses ``word`` or a plain inflection of it (bright: brighter, brightness; warm: warmth)."""
    w = word.strip().lower()
    stem = re.escape(w[:-1]) if w.endswith("e") else re.escape(w)
    y_forms = rf"|{re.escape(w[:-1])}(?:ier|iest|iness|ily)" if w.endswith("y") else ""  # roomy: roomier
    return bool(re.search(rf"(?<![\w-])(?:{re.escape(w)}(?:s|er|est|ness|th|en|ed|ly|y|ier)?|{stem}(?:er|est|ed|y)"
                          rf"{y_forms})(?![\w-])", text.lower()))
