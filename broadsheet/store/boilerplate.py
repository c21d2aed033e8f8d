"""Per-site paragraph counts for site-level boilerplate learning."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, select, tuple_, update

from broadsheet.extract.boilerplate import SiteProfile
from broadsheet.store.chunks import in_chunks
from broadsheet.store.schema import site_pages, site_paragraphs
from broadsheet.store.upsert import upsert


def load_profile(conn: Connection, site: str) -> SiteProfile:
    """A site's page count and the counts of all its fingerprints."""
    pages = conn.execute(select(site_pages.c.pages).where(site_pages.c.site == site)).scalar() or 0
    query = select(site_paragraphs.c.fingerprint, site_paragraphs.c.pages).where(site_paragraphs.c.site == site)
    return SiteProfile(site, pages, {fp: n for fp, n in conn.execute(query)})


# (site, fingerprint) pairs per read: two parameters each, well under PostgreSQL's 65,535.
_PAIRS = 2_000
_ADD_PAGES = (
    update(site_pages)
    .where(site_pages.c.site == bindparam("_site"))
    .values(pages=site_pages.c.pages + bindparam("_pages"))
)
_ADD_COUNT = (
    update(site_paragraphs)
    .where(site_paragraphs.c.site == bindparam("_site"))
    .where(site_paragraphs.c.fingerprint == bindparam("_fingerprint"))
    .values(
        pages=site_paragraphs.c.pages + bindparam("_pages"),
        last_seen=bindparam("_now", type_=site_paragraphs.c.last_seen.type),
    )
)


def load_profiles(conn: Connection, wanted: dict[str, set[str]]) -> dict[str, SiteProfile]:
    """Each site's page count and the counts of the fingerprints wanted of it (site -> fingerprints),
    in two reads for all the sites: a refresh batch spans dozens of them."""
    sites = sorted(wanted)
    pages: dict[str, int] = {}
    for names in in_chunks(sites):
        pages.update(
            conn.execute(select(site_pages.c.site, site_pages.c.pages).where(site_pages.c.site.in_(names))).all()
        )
    counts: dict[str, dict[str, int]] = {site: {} for site in sites}
    pairs = sorted((site, fp) for site in sites for fp in wanted[site])
    key = tuple_(site_paragraphs.c.site, site_paragraphs.c.fingerprint)
    for chunk in in_chunks(pairs, _PAIRS):
        query = select(site_paragraphs.c.site, site_paragraphs.c.fingerprint, site_paragraphs.c.pages)
        for site, fp, n in conn.execute(query.where(key.in_(chunk))):
            counts[site][fp] = n
    return {site: SiteProfile(site, pages.get(site) or 0, counts[site]) for site in sites}


def record_site_pages(conn: Connection, pages: dict[str, list[dict[str, str]]], stored: dict[str, set[str]]) -> None:
    """Count more pages of each site, each page carrying its fingerprints (fingerprint -> sample
    text); `stored` is which of them each site's counts already hold (the caller's profiles). Four
    statements (executemany) for a batch's sites, where each site took about five of its own."""
    if not pages:
        return
    now = datetime.now(UTC)
    sites = sorted(pages)
    upsert(conn, site_pages, [{"site": site, "pages": 0} for site in sites], key="site", update=[])
    conn.execute(_ADD_PAGES, [{"_site": site, "_pages": len(pages[site])} for site in sites])
    new, existing = [], []
    for site in sites:
        seen = Counter(fp for page in pages[site] for fp in page)
        samples = {fp: text for page in reversed(pages[site]) for fp, text in page.items()}  # the first page's wins
        for fp, n in seen.items():
            if fp in stored[site]:
                existing.append({"_site": site, "_fingerprint": fp, "_pages": n, "_now": now})
            else:
                new.append({"site": site, "fingerprint": fp, "sample": samples[fp][:500], "pages": n, "last_seen": now})
    if new:
        conn.execute(site_paragraphs.insert(), new)
    if existing:
        conn.execute(_ADD_COUNT, existing)


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
