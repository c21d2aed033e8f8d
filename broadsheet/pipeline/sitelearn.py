"""The site-level boilerplate stage: learn which paragraphs repeat across a site's pages,
remove them from each new article, and clean the site's earlier articles once a paragraph
is recognised as furniture."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, or_, select, update

from broadsheet.extract.boilerplate import SiteProfile, fingerprint, remove_boilerplate, site_key
from broadsheet.model import Article
from broadsheet.store.boilerplate import load_profile, record_page
from broadsheet.store.schema import articles

log = logging.getLogger(__name__)


def _newly_learned(before: SiteProfile, after: SiteProfile, fingerprints: set[str]) -> bool:
    return any(
        after.is_boilerplate_fingerprint(fp) and not before.is_boilerplate_fingerprint(fp) for fp in fingerprints
    )


def clean_article(conn: Connection, article: Article) -> bool:
    """Count the article's paragraphs for its site and strip the site's boilerplate from it (in place).

    Returns True when this page taught us a new boilerplate paragraph of its site."""
    site = site_key(article.url)
    paragraphs = article.paragraphs
    samples = {fingerprint(p): p for p in paragraphs}
    before = load_profile(conn, site, samples)
    record_page(conn, site, samples)
    after = load_profile(conn, site, samples)
    article.text = "\n\n".join(remove_boilerplate(paragraphs, after))
    return _newly_learned(before, after, set(samples))


def reclean_site(conn: Connection, site: str) -> int:
    """Remove the site's now-known boilerplate from its stored articles; returns how many changed."""
    profile = load_profile(conn, site)
    pattern = [articles.c.url.like(f"%://{site}/%"), articles.c.url.like(f"%://www.{site}/%")]
    rows = conn.execute(
        select(articles.c.id, articles.c.text).where(or_(*pattern)).where(articles.c.status == "ok")
    ).all()
    changed = 0
    for article_id, text in rows:
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        cleaned = "\n\n".join(remove_boilerplate(paragraphs, profile))
        if cleaned != text:
            conn.execute(update(articles).where(articles.c.id == article_id).values(text=cleaned))
            changed += 1
    if changed:
        log.info("boilerplate: cleaned %d earlier articles of %s", changed, site)
    return changed


def clean_batch(conn: Connection, batch: list[Article]) -> set[str]:
    """Apply site-level learning to each fetched article of a batch, in arrival order.

    Returns the sites that learned something: once the batch is stored, pass them to
    `reclean_sites` so their earlier articles (this batch's included) are cleaned too."""
    return {site_key(a.url) for a in batch if a.url.startswith(("http://", "https://")) and clean_article(conn, a)}


def reclean_sites(conn: Connection, sites: set[str]) -> int:
    """Clean the stored articles of each site; returns how many articles changed."""
    return sum(reclean_site(conn, site) for site in sorted(sites))
