"""Semantic candidates for search: the stored sentence embeddings of recent articles, in memory.

A question such as "why were the ferries not sailing" may share no word with the article that
answers it ("Storm keeps the island boats in port"). Search therefore also asks which recent
articles' embeddings lie nearest the query's, and fuses that ranking with the lexical one.

The index is a snapshot of the newest readable originals' vectors (float16 in the database,
float32 here: 20,000 x 384 is 30 MB per process). The pipeline builds it into one row
(`build_snapshot`: a periodic job with a job engine, the end of each refresh pass embedded); web
processes load that row and reload it in the background once it is older than a minute, so
queries never wait for a reload after the first.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, select, text

from broadsheet.store.schema import vector_snapshots
from broadsheet.store.stories import read_state
from broadsheet.store.upsert import upsert

log = logging.getLogger(__name__)

WINDOW = 20_000  # newest articles held: with recency in the ranking, older ones rarely make a page
MAX_AGE = 60.0  # seconds before a snapshot is reloaded (in the background)
MIN_SIMILARITY = 0.25  # below this cosine an article is not "about" the query at all
NAME = "recent"  # the snapshot's row


@dataclass(frozen=True)
class Snapshot:
    ids: list[str]
    matrix: np.ndarray  # (n, dim) unit rows
    loaded_at: float
    version: int | None = None  # the stored snapshot's version (None: scanned from the articles)


class VectorIndex:
    """The newest articles' embeddings of one database, reloaded when stale."""

    def __init__(self, engine: Engine, window: int = WINDOW, max_age: float = MAX_AGE):
        self.engine, self.window, self.max_age = engine, window, max_age
        self.snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._reloading = False

    def _load(self) -> Snapshot:
        """The stored snapshot (one row, built by `build_snapshot`; its blob read only when its
        version changed), or the articles themselves when none was built yet (a new database)."""
        with self.engine.connect() as conn:
            version = conn.execute(select(vector_snapshots.c.version).where(vector_snapshots.c.name == NAME)).scalar()
            if version is not None and self.snapshot is not None and self.snapshot.version == version:
                return dataclasses.replace(self.snapshot, loaded_at=time.monotonic())
            row = conn.execute(select(vector_snapshots).where(vector_snapshots.c.name == NAME)).first()
            if row is None:
                ids, matrix = _scan(conn, self.window)
            else:
                ids, matrix = list(row.ids), np.frombuffer(row.matrix, np.float16).reshape(len(row.ids), row.size)
        return Snapshot(ids, matrix.astype(np.float32), time.monotonic(), row.version if row is not None else None)

    def _reload_in_background(self) -> None:
        def run() -> None:
            try:
                fresh = self._load()
                self.snapshot = fresh
            except Exception:  # keep serving the old snapshot; the next query tries again
                log.exception("search: reloading the vector index failed")
            finally:
                self._reloading = False

        threading.Thread(target=run, name="vector-index", daemon=True).start()

    def current(self) -> Snapshot:
        """The snapshot to search: loaded now the first time, refreshed in the background after."""
        with self._lock:
            if self.snapshot is None:
                self.snapshot = self._load()
            elif time.monotonic() - self.snapshot.loaded_at > self.max_age and not self._reloading:
                self._reloading = True
                self._reload_in_background()
            return self.snapshot

    def nearest(self, query: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """(article id, cosine) of the most similar articles, best first, above MIN_SIMILARITY."""
        snap = self.current()
        if not len(snap.matrix) or snap.matrix.shape[1] != len(query):
            return []
        unit = query.astype(np.float32) / (np.linalg.norm(query) or 1.0)
        sims = snap.matrix @ unit
        top = np.argpartition(-sims, min(limit, len(sims) - 1))[:limit]
        ranked = sorted(((snap.ids[i], float(sims[i])) for i in top), key=lambda p: -p[1])
        return [(article_id, sim) for article_id, sim in ranked if sim >= MIN_SIMILARITY]


def _scan(conn: Connection, window: int) -> tuple[list[str], np.ndarray]:
    """The newest readable originals' vectors, as unit float16 rows."""
    sql = text("""SELECT id, vector FROM articles
                  WHERE status = 'ok' AND duplicate_of IS NULL AND vector IS NOT NULL
                  ORDER BY arrival DESC LIMIT :window""")
    pairs = [(row.id, np.frombuffer(row.vector, dtype=np.float16)) for row in conn.execute(sql, {"window": window})]
    width = Counter(len(v) for _, v in pairs).most_common(1)[0][0] if pairs else 0
    pairs = [(i, v) for i, v in pairs if len(v) == width]  # vectors of an earlier embedder are skipped
    if not pairs:
        return [], np.zeros((0, 0), np.float16)
    matrix = np.vstack([v for _, v in pairs]).astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-6)
    return [i for i, _ in pairs], matrix.astype(np.float16)


def build_snapshot(engine: Engine, window: int = WINDOW) -> bool:
    """Build and store the snapshot web processes load, when articles were placed since the last one
    (the pipeline's vector-index refresh: a periodic job, or the end of an embedded refresh pass).
    Returns whether a new snapshot was stored."""
    with engine.connect() as conn:
        version = int(read_state(conn).get("batches", 0.0))  # the understand stage's placement batches
        built = conn.execute(select(vector_snapshots.c.version).where(vector_snapshots.c.name == NAME)).scalar()
        if built == version or version == 0:  # nothing placed since, or ever
            return False
        ids, matrix = _scan(conn, window)
    if not ids and built is None:  # no embeddings (embeddings = "off"): the articles are the index
        return False
    row = {"name": NAME, "version": version, "size": matrix.shape[1], "ids": ids, "matrix": matrix.tobytes()}
    with engine.begin() as conn:
        upsert(conn, vector_snapshots, [row], key="name")
    return True


def index_for(engine: Engine) -> VectorIndex:
    """One index per database in the process's context (keyed by URL, as the understand stage keys
    its state: an id() could be reused by a later engine on another database)."""
    from broadsheet.context import current

    return current().shared("vector-index", str(engine.url), lambda: VectorIndex(engine))
