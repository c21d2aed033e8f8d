"""The work page views ask for (`broadsheet.work.request_work`), done off the request: enrich an
article, rank its related list again, store a story's digest. Registered with the context's work
queue when the pipeline package is imported; with a job engine the same work runs as jobs instead
(`jobs/tasks.py`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from broadsheet.work import register

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from broadsheet.context import Context


def warm_models(engine: Engine) -> None:
    """Load the models a write transaction needs before taking SQLite's one write lock (loading
    takes seconds; holding the lock meanwhile would keep every comment and refresh waiting)."""
    from broadsheet.nlp.entities import load_model
    from broadsheet.pipeline.enrich import prototypes_for

    load_model()
    prototypes_for(engine)


def enrich(context: Context, ids: list[str]) -> None:
    """Key points, section, tags and entities of articles a page showed without them."""
    from broadsheet.pipeline import enrich as stage
    from broadsheet.store.db import retry_write

    warm_models(context.engine)
    retry_write(lambda: stage.ensure_enriched(context.engine, ids), "enrich")


def related(context: Context, ids: list[str]) -> None:
    """Rank again the related lists a page found stale."""
    from broadsheet.pipeline import related as stage
    from broadsheet.store.db import retry_write

    retry_write(lambda: stage.keep_related(context.engine, ids), "related")


def digest(context: Context, items: list[str]) -> None:
    """Store the digests a page view made for itself ("words:story:ID", `explain.digest_item`)."""
    from broadsheet.pipeline import explain
    from broadsheet.store.db import retry_write

    for item in items:
        retry_write(functools.partial(explain.store_digest, context.engine, item), "digest")


register("enrich", enrich)
register("related", related)
register("digest", digest)
