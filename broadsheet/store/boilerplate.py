"""Per-site paragraph counts for site-level boilerplate learning."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update

from broadsheet.extract.boilerplate import SiteProfile
from broadsheet.store.chunks import in_chunks
from broadsheet.store.schema import site_pages, site_paragraphs
from broadsheet.store.upsert import upsert


def load_profile(conn: Connection, site: str, fingerprints: Iterable[str] | None = None) -> SiteProfile:
    """A site's page count and the counts of the given fingerprints (all of them if None)."""
    pages = conn.execute(select(site_pages.c.pages).where(site_pages.c.site == site)).scalar() or 0
    query = select(site_paragraphs.c.fingerprint, site_paragraphs.c.pages).where(site_paragraphs.c.site == site)
    if fingerprints is None:
        return SiteProfile(site, pages, {fp: n for fp, n in conn.execute(query)})
    counts: dict[str, int] = {}
    for chunk in in_chunks(list(fingerprints)):  # a batch of one site's pages: thousands of fingerprints
        counts.update((fp, n) for fp, n in conn.execute(query.where(site_paragraphs.c.fingerprint.in_(chunk))))
    return SiteProfile(site, pages, counts)


def record_pages(conn: Connection, site: str, pages: list[dict[str, str]], stored: set[str]) -> None:
    """Count more pages of `site`, each carrying its fingerprints (fingerprint -> sample text): a few
    statements for a whole batch of the site's pages, where one page at a time took five each.
    `stored` is which of these fingerprints the site's counts already hold (the caller's profile)."""
    now = datetime.now(UTC)
    upsert(conn, site_pages, [{"site": site, "pages": 0}], key="site", update=[])
    conn.execute(update(site_pages).where(site_pages.c.site == site).values(pages=site_pages.c.pages + len(pages)))
    seen = Counter(fp for page in pages for fp in page)
    existing = stored & set(seen)
    samples = {fp: text for page in reversed(pages) for fp, text in page.items()}  # the first page's text wins
    new = [
        {"site": site, "fingerprint": fp, "sample": samples[fp][:500], "pages": n, "last_seen": now}
        for fp, n in seen.items()
        if fp not in existing
    ]
    if new:
        conn.execute(site_paragraphs.insert(), new)
    by_count: dict[int, list[str]] = {}
    for fp in existing:
        by_count.setdefault(seen[fp], []).append(fp)
    for n, fps in sorted(by_count.items()):
        for chunk in in_chunks(sorted(fps)):
            conn.execute(
                update(site_paragraphs)
                .where(site_paragraphs.c.site == site)
                .where(site_paragraphs.c.fingerprint.in_(chunk))
                .values(pages=site_paragraphs.c.pages + n, last_seen=now)
            )


def boilerplate_samples(conn: Connection, site: str) -> list[tuple[str, int]]:
    """The paragraphs currently treated as a site's boilerplate, with their page counts."""
    profile = load_profile(conn, site)
    rows = conn.execute(
        select(site_paragraphs.c.fingerprint, site_paragraphs.c.sample).where(site_paragraphs.c.site == site)
    ).all()
    return sorted(
        ((sample, profile.counts[fp]) for fp, sample in rows if profile.is_boilerplate_fingerprint(fp)),
        key=lambda item: -item[1],
    )
