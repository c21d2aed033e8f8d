"""Site-level boilerplate: learned from repeats across a site's pages, stored, and re-applied."""

import asyncio

from fixtures_html import article_page, rss_feed
from httpserver import Reply

from broadsheet.extract.boilerplate import SiteProfile, fingerprint, remove_boilerplate, site_key
from broadsheet.pipeline.runner import refresh
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store.boilerplate import boilerplate_samples
from broadsheet.text.urls import url_id

APPEAL = (
    "The Quay Gazette is owned by the people of the harbour; a membership costs less than "
    "a coffee a week and keeps our reporters on the waterfront."
)
BACKGROUND = "The harbour authority was created in 1931 to manage the port's three basins."


BERTHS = ["Anchor", "Beacon", "Cormorant", "Driftwood", "Eelgrass"]


def _story(n: int) -> list[str]:
    # Stories differ in words, not only numbers: fingerprints deliberately ignore numbers.
    name = BERTHS[n - 1]
    return [
        f"The {name} berth reopened on the morning tide after weeks of dredging work by the harbour crews.",
        f"Officials expect more ships a month once the work at {name} is finished, the port office said.",
        APPEAL,
    ]


def test_fingerprint_ignores_numbers_case_and_punctuation():
    assert fingerprint("Comments (12) - join us!") == fingerprint("comments (58) join us")
    assert fingerprint("A different line") != fingerprint("Comments (12)")
    assert site_key("https://www.Example.org/a/b") == "example.org"
    assert site_key("http://127.0.0.1:8041/x") == "127.0.0.1:8041"


def test_profile_needs_repeats_on_enough_pages():
    fp = fingerprint(APPEAL)
    assert not SiteProfile("s", pages=2, counts={fp: 2}).is_boilerplate(APPEAL)  # too few pages yet
    assert not SiteProfile("s", pages=3, counts={fp: 3}).is_boilerplate(APPEAL)  # three pages: not yet sure
    assert SiteProfile("s", pages=4, counts={fp: 4}).is_boilerplate(APPEAL)
    assert SiteProfile("s", pages=12, counts={fp: 10}).is_boilerplate(APPEAL)  # nearly every page
    assert not SiteProfile("s", pages=6, counts={fp: 3}).is_boilerplate(APPEAL)  # half of a few pages
    assert not SiteProfile("s", pages=40, counts={fp: 3}).is_boilerplate(APPEAL)  # a minority: kept
    only = [APPEAL]
    assert remove_boilerplate(only, SiteProfile("s", pages=4, counts={fp: 4})) == only  # never empties a page


def test_refresh_learns_site_boilerplate_and_cleans_earlier_articles(server, engine, config):
    links = []
    for n in range(1, 6):
        paragraphs = _story(n) + ([BACKGROUND] if n == 2 else [])
        server.routes[f"/story/{n}"] = Reply(
            200, article_page(f"Berth {n} reopens", paragraphs).encode(), {"Content-Type": "text/html; charset=utf-8"}
        )
        links.append((f"Berth {n} reopens", server.url(f"/story/{n}")))
    server.routes["/feed"] = Reply(200, rss_feed(links[:2]))
    source_store.add_source(engine, server.url("/feed"))
    asyncio.run(refresh(engine, config))
    first = article_store.get_article(engine, url_id(links[0][1]))
    assert APPEAL in first.text  # two pages are not yet evidence

    server.routes["/feed"] = Reply(200, rss_feed(links))
    for source in source_store.list_sources(engine):
        source_store.record_success(engine, source.id, 200, source.last_fetched_at)
    asyncio.run(refresh(engine, config))
    texts = {n: article_store.get_article(engine, url_id(link)).text for n, (_, link) in enumerate(links, 1)}
    assert [n for n, text in texts.items() if APPEAL in text] == [], "learned and removed everywhere, earlier pages too"
    assert all(BERTHS[n - 1] in texts[n] for n in texts)
    assert BACKGROUND in texts[2]  # seen once: real content stays
    with engine.connect() as conn:
        learned = boilerplate_samples(conn, site_key(server.base))
    assert [sample for sample, _ in learned] == [APPEAL]


def _pages(prefix: str, furniture: list[str]) -> list:
    """Twelve pages over two sites: own paragraphs, furniture that repeats, a paragraph seen twice,
    and one seen on three of the site's eight pages (a minority: never furniture)."""
    from broadsheet.model import Article

    out = []
    for i in range(12):
        site = "alpha.example" if i % 3 else "beta.example"
        paragraphs = [f"Page {i} has its own reporting about item {i * 7}."] + furniture[: 1 + i % 3]
        if i in (1, 2):
            paragraphs.append("A background paragraph seen twice.")
        if i in (8, 10, 11):
            paragraphs.append("A wire credit line on a minority of pages.")
        out.append(
            Article(
                id=f"{prefix}{i}",
                url=f"https://{site}/{prefix}/{i}",
                title=f"T{i}",
                text="\n\n".join(paragraphs),
                status="ok",
            )
        )
    return out


def _learning(engine) -> tuple:
    from sqlalchemy import select

    from broadsheet.store.schema import site_pages, site_paragraphs

    with engine.connect() as conn:
        pages = sorted(tuple(r) for r in conn.execute(select(site_pages.c.site, site_pages.c.pages)))
        counts = sorted(
            tuple(r)
            for r in conn.execute(
                select(
                    site_paragraphs.c.site,
                    site_paragraphs.c.fingerprint,
                    site_paragraphs.c.sample,
                    site_paragraphs.c.pages,
                )
            )
        )
    return pages, counts


def test_a_batch_learns_and_cleans_exactly_as_its_pages_one_at_a_time(engine, tmp_path):
    """clean_batch reads and writes each site's counts once; every page is still cleaned with the
    counts that include it and the pages before it, and the stored counts are the same."""
    from broadsheet.pipeline.sitelearn import clean_batch
    from broadsheet.store.db import open_database

    furniture = ["Sign up for our newsletter.", "Comments (12) are checked.", "Follow us for more."]
    together, alone = _pages("p", furniture), _pages("p", furniture)
    with engine.begin() as conn:
        learned = clean_batch(conn, together)
    other = open_database(f"sqlite:///{tmp_path}/one-by-one.db")
    learned_alone: set[str] = set()
    with other.begin() as conn:
        for article in alone:
            learned_alone |= clean_batch(conn, [article])
    assert [a.text for a in together] == [a.text for a in alone]
    assert learned == learned_alone == {"alpha.example", "beta.example"}
    assert _learning(engine) == _learning(other)
    assert "Sign up for our newsletter." not in together[-1].text  # furniture learned and removed
    assert "A background paragraph seen twice." in together[2].text
    assert "A wire credit line on a minority of pages." in together[11].text
    other.dispose()


def test_a_sign_off_on_a_third_of_a_sites_pages_is_kept_even_when_those_pages_come_first(engine):
    """The demo's Evening Sentinel: a wire sign-off on three of its nine pages. Fetches finish in any
    order; when the three come among the first pages, one at a time, it is still not furniture."""
    from broadsheet.model import Article
    from broadsheet.pipeline.sitelearn import clean_batch

    def page(i: int) -> Article:
        own = f"The {BERTHS[i % 5]} report number {_letters(i)} of its own."
        signed = ["— Harbour Wire"] if i in (0, 2, 4) else []
        text = "\n\n".join([own, "Share this story.", *signed])
        return Article(id=f"w{i}", url=f"https://sentinel.example/w/{i}", title=f"T{i}", text=text, status="ok")

    pages = [page(i) for i in range(9)]  # the sign-offs on three of the first five
    with engine.begin() as conn:
        for article in pages:
            clean_batch(conn, [article])
    assert ["— Harbour Wire" in a.text for a in pages] == [i in (0, 2, 4) for i in range(9)]
    assert "Share this story." not in pages[-1].text  # on every page: furniture, learned


def test_a_batch_of_one_sites_pages_with_more_fingerprints_than_a_statement_takes_is_learned(engine):
    """A batch of one site's pages can carry more fingerprints than one statement may bind (65,535
    parameters on PostgreSQL): they are read and written in chunks."""
    from sqlalchemy import func, select

    from broadsheet.model import Article
    from broadsheet.pipeline.sitelearn import clean_batch
    from broadsheet.store.schema import site_pages, site_paragraphs

    pages = [
        Article(
            id=f"q{i}",
            url=f"https://gamma.example/q/{i}",
            title=f"T{i}",
            text="\n\n".join([f"Paragraph {_letters(i, j)} of its own." for j in range(30)] + ["Share this story."]),
            status="ok",
        )
        for i in range(2_200)
    ]
    with engine.begin() as conn:
        assert clean_batch(conn, pages) == {"gamma.example"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(site_paragraphs)).scalar_one() == 66_001
        assert conn.execute(select(site_pages.c.pages)).scalar_one() == 2_200
    assert (
        "Share this story." not in pages[-1].text and f"Paragraph {_letters(2_199, 29)} of its own." in pages[-1].text
    )


def _letters(*numbers: int) -> str:
    """Numbers spelt in letters: a fingerprint ignores digits."""
    return "".join(chr(97 + int(d)) for d in "".join(f"{n:04d}" for n in numbers))


def test_a_batch_reads_and_writes_the_counts_of_all_its_sites_in_a_few_statements(engine):
    """A refresh batch spans dozens of sites: their counts are read and written by a fixed number of
    statements, not a few per site (bench/fetch.py, issue 14)."""
    from sqlalchemy import event, select

    from broadsheet.model import Article
    from broadsheet.pipeline.sitelearn import clean_batch
    from broadsheet.store.schema import site_pages

    def batch(round_: int) -> list[Article]:
        return [
            Article(
                id=f"s{site}-{round_}-{n}",
                url=f"https://site{site}.example/news/{round_}-{n}",
                title=f"T{site}",
                text="\n\n".join([f"The {BERTHS[n]} report number {_letters(site, round_ * 2 + n)}.", APPEAL]),
                status="ok",
            )
            for site in range(20)
            for n in range(2)
        ]

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for round_ in range(2):  # the second batch finds every site's counts stored: the update path
        statements.clear()
        with engine.begin() as conn:
            clean_batch(conn, batch(round_))
        assert len(statements) <= 8, statements
    with engine.connect() as conn:
        assert dict(conn.execute(select(site_pages.c.site, site_pages.c.pages)).all()) == {
            f"site{site}.example": 4 for site in range(20)
        }
