"""The site-level boilerplate stage: learn which paragraphs repeat across a site's pages,
remove them from each new article, and clean the site's earlier articles once a paragraph
is recognised as furniture."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, or_, select, update

from broadsheet.extract.boilerplate import SiteProfile, fingerprint, remove_boilerplate, site_key
from broadsheet.model import Article
from broadsheet.store.boilerplate import load_profile, load_profiles, record_site_pages
from broadsheet.store.schema import articles

log = logging.getLogger(__name__)


def _newly_learned(before: SiteProfile, after: SiteProfile, fingerprints: set[str]) -> bool:
    return any(
        after.is_boilerplate_fingerprint(fp) and not before.is_boilerplate_fingerprint(fp) for fp in fingerprints
    )


def _clean_pages(profile: SiteProfile, items: list[Article], pages: list[dict[str, str]]) -> bool:
    """Count each article's paragraphs for its site and strip the site's boilerplate from it (in place),
    in order: each page is cleaned with the counts that include it and the pages before it, as when
    the pages came one at a time. `profile` holds the site's counts of these pages' fingerprints and
    is counted up here; the caller writes them.

    Returns True when these pages taught us a new boilerplate paragraph of the site."""
    site, learned = profile.site, False
    for article, samples in zip(items, pages):
        before = SiteProfile(site, profile.pages, {fp: profile.counts[fp] for fp in samples if fp in profile.counts})
        profile.pages += 1
        for fp in samples:
            profile.counts[fp] = profile.counts.get(fp, 0) + 1
        article.text = "\n\n".join(remove_boilerplate(article.paragraphs, profile))
        learned = _newly_learned(before, profile, set(samples)) or learned
    return learned


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
    by_site: dict[str, list[Article]] = {}
    for article in batch:
        if article.url.startswith(("http://", "https://")):
            by_site.setdefault(site_key(article.url), []).append(article)
    # The counts of every site of the batch are read once and written once (a refresh batch spans
    # dozens of sites); sites do not share counts, so each is cleaned as if alone.
    pages = {site: [{fingerprint(p): p for p in a.paragraphs} for a in items] for site, items in by_site.items()}
    profiles = load_profiles(conn, {site: {fp for page in found for fp in page} for site, found in pages.items()})
    stored = {site: set(profile.counts) for site, profile in profiles.items()}  # before these pages count
    learned = {site for site, items in by_site.items() if _clean_pages(profiles[site], items, pages[site])}
    record_site_pages(conn, pages, stored)
    return learned


def reclean_sites(conn: Connection, sites: set[str]) -> int:
    """Clean the stored articles of each site; returns how many articles changed."""
    return sum(reclean_site(conn, site) for site in sorted(sites))
