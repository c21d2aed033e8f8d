"""Lead pictures: fetched once by the pipeline from a loopback publisher, resized into WebP widths,
kept as rows (so backups carry them), and shown by the site from its own origin with srcset, sizes,
alt text, lazy loading and width/height. Nothing on a page points at a publisher's image."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import html5lib
import httpx
import pytest
from databases import fresh_database
from httpserver import AppServer, Reply
from PIL import Image
from sqlalchemy import select, update

from broadsheet.errors import ExtractError
from broadsheet.extract.pictures import output_format, resize_picture
from broadsheet.ingest.fetch import Fetcher
from broadsheet.model import Article
from broadsheet.pipeline import pictures as stage
from broadsheet.pipeline.runner import fetch_policy, finish_work
from broadsheet.store import articles as article_store
from broadsheet.store import pictures as picture_store
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store
from broadsheet.store.backup import backup, restore
from broadsheet.store.db import open_database
from broadsheet.store.schema import picture_files, pictures
from broadsheet.web import pictures as web_pictures
from broadsheet.web.app import create_app


def drawn(size: tuple[int, int], fmt: str, mode: str = "RGB") -> bytes:
    """A real image made here: a coloured field with a square on it."""
    image = Image.new(mode, size, (200, 80, 40, 255)[: len(mode)])
    image.paste((20, 90, 160, 255)[: len(mode)], (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


class Images(HTMLParser):
    """Every <img> of a page, as attribute dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.append({k: v or "" for k, v in attrs})


def images_of(page: str) -> list[dict[str, str]]:
    parser = Images()
    parser.feed(page)
    return parser.found


def test_resize_keeps_each_width_the_picture_reaches():
    big = resize_picture(drawn((1000, 500), "PNG"))
    assert (big.width, big.height) == (1000, 500)
    assert [(c.width, c.height) for c in big.copies] == [(160, 80), (320, 160), (640, 320)]
    mime = output_format()[1]
    for copy in big.copies:
        opened = Image.open(io.BytesIO(copy.data))
        assert copy.mime == mime and opened.size == (copy.width, copy.height)
        assert opened.format == ("WEBP" if mime == "image/webp" else "JPEG")
    assert [c.width for c in resize_picture(drawn((400, 300), "JPEG")).copies] == [160, 320]
    assert [c.width for c in resize_picture(drawn((90, 60), "PNG", "RGBA")).copies] == [90]  # never enlarged
    with pytest.raises(ExtractError, match="not an image"):
        resize_picture(b"<html><body>not a picture</body></html>")


@pytest.fixture
def publisher(server):
    """A loopback publisher with a JPEG, a PNG, an HTML page posing as an image and a missing one."""
    server.routes.update(
        {
            "/lead.jpg": Reply(200, drawn((960, 540), "JPEG"), {"Content-Type": "image/jpeg"}),
            "/lead.png": Reply(200, drawn((700, 700), "PNG", "RGBA"), {"Content-Type": "image/png"}),
            "/page.jpg": Reply(200, b"<html>login first</html>", {"Content-Type": "text/html"}),
            "/gone.jpg": Reply(404, b"no"),
        }
    )
    return server


def _store(engine, server) -> dict[str, str]:
    source, _ = source_store.add_source(engine, server.url("/feed"), title="The Loopback Gazette")
    now = datetime.now(UTC)
    images = {"jpg": "/lead.jpg", "png": "/lead.png", "html": "/page.jpg", "gone": "/gone.jpg", "none": ""}
    topics = {
        "jpg": ("Harbour crane lifted into place", "A new crane was lifted onto the quay by two barges on Tuesday."),
        "png": (
            "Orchard growers count a record crane harvest",
            "Apple pickers in the valley finished early this year.",
        ),
        "html": ("Council votes on library hours", "Councillors agreed to open the central library on Sundays."),
        "gone": ("Rowing club wins regional final", "The eight crossed the line two lengths clear of the champions."),
        "none": ("Museum reopens its glass gallery", "Visitors queued from dawn to see the restored lanterns again."),
    }
    items = [
        Article(
            id=f"pic-{name}",
            url=server.url(f"/story-{name}"),
            title=topics[name][0],
            text=f"{topics[name][1]}\n\nMore on {topics[name][0].lower()} follows next week.",
            source_id=source.id,
            source_name="The Loopback Gazette",
            published_at=now - timedelta(minutes=5 + index),
            image=server.url(path) if path else "",
            meta={"image_alt": "A yellow crane over the quay"} if name == "jpg" else {},
        )
        for index, (name, path) in enumerate(images.items())
    ]
    with engine.begin() as conn:
        article_store.save_articles(conn, items)
    return {name: f"pic-{name}" for name in images}


def _run(engine, config, **kwargs) -> int:
    async def go() -> int:
        async with Fetcher(fetch_policy(config)) as fetcher:
            return await stage.fetch_due(engine, fetcher, **kwargs)

    return asyncio.run(go())


def _rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.article_id: r._asdict() for r in conn.execute(select(pictures))}


def test_the_stage_fetches_once_records_failures_and_retries_with_backoff(engine, config, publisher):
    ids = _store(engine, publisher)
    assert _run(engine, config) == 2
    rows = _rows(engine)
    assert rows[ids["jpg"]]["status"] == "ok" and rows[ids["jpg"]]["alt"] == "A yellow crane over the quay"
    assert (rows[ids["png"]]["width"], rows[ids["png"]]["height"]) == (700, 700)
    assert ids["none"] not in rows  # no image URL: nothing to fetch, nothing recorded
    for name, reason in (("html", "text/html, not an image"), ("gone", "404 from")):
        row = rows[ids[name]]
        assert row["status"] == "failed" and row["error_count"] == 1 and reason in row["last_error"]
        wait = row["next_try_at"] - datetime.now(UTC)
        assert timedelta(minutes=25) < wait <= stage.RETRY_BASE
    with engine.connect() as conn:
        kept = conn.execute(select(picture_files.c.width).where(picture_files.c.article_id == ids["jpg"])).scalars()
        assert sorted(kept) == [160, 320, 640]
    asked = len(publisher.requests)
    assert _run(engine, config) == 0 and len(publisher.requests) == asked  # stored or waiting: nothing fetched again

    publisher.routes["/gone.jpg"] = Reply(200, drawn((320, 200), "JPEG"), {"Content-Type": "image/jpeg"})
    with engine.begin() as conn:  # the wait is over
        conn.execute(update(pictures).values(next_try_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert _run(engine, config) == 1
    rows = _rows(engine)
    assert rows[ids["gone"]]["status"] == "ok" and rows[ids["html"]]["error_count"] == 2
    assert stage.retry_delay(2) == 2 * stage.RETRY_BASE and stage.retry_delay(30) == stage.RETRY_MAX


def _srcset_widths(img: dict[str, str]) -> list[int]:
    return [int(part.split()[1].rstrip("w")) for part in img["srcset"].split(",")]


def test_pages_show_pictures_from_our_own_origin(engine, config, publisher):
    ids = _store(engine, publisher)
    finish_work(engine)  # placed in stories: the front page and story pages show them too
    _run(engine, config)
    app = create_app(engine, config.replace(public_url="https://news.example"))
    with AppServer(app) as base, httpx.Client(base_url=base) as http:
        pages = {path: http.get(path) for path in ("/", "/latest", f"/articles/{ids['jpg']}", "/search?q=crane")}
        for path, response in pages.items():
            assert response.status_code == 200, path
            html5lib.HTMLParser(strict=True).parse(response.text)  # valid HTML with the pictures in it
            shown = images_of(response.text)
            assert shown, f"{path} shows no picture"
            for img in shown:
                assert img["src"].startswith("/pictures/"), (path, img)  # never a publisher's URL
                assert all(part.strip().startswith("/pictures/") for part in img["srcset"].split(","))
                assert img["loading"] == "lazy" and img["sizes"] and img["alt"]
                assert int(img["width"]) > 0 and int(img["height"]) > 0
            assert publisher.base not in " ".join(i["src"] + i["srcset"] for i in shown)
        latest = images_of(pages["/latest"].text)
        crane = next(i for i in latest if ids["jpg"] in i["src"])
        assert _srcset_widths(crane) == [160, 320, 640] and (crane["width"], crane["height"]) == ("320", "180")
        assert crane["alt"] == "A yellow crane over the quay"
        png = next(i for i in latest if ids["png"] in i["src"])
        assert png["alt"] == "Orchard growers count a record crane harvest"  # no alt on the page: the headline
        copy = http.get(crane["src"].replace("/320", "/640"))
        assert copy.status_code == 200 and copy.headers["content-type"] == output_format()[1]
        assert Image.open(io.BytesIO(copy.content)).size == (640, 360)
        assert "max-age" in copy.headers["cache-control"]
        assert http.get(f"/pictures/{ids['html']}/320").status_code == 404
        assert http.get(f"/pictures/{ids['jpg']}/999999999").status_code == 404
        article = pages[f"/articles/{ids['jpg']}"].text
        assert re.search(r'<meta property="og:image" content="https://news.example/pictures/pic-jpg/640">', article)
        story = re.search(r'href="/stories/([^"]+)"', article)
        assert story, "the article page links its story"
        story_page = http.get(f"/stories/{story.group(1)}").text
        html5lib.HTMLParser(strict=True).parse(story_page)
        lead = images_of(story_page)
        assert lead and lead[0]["src"].startswith("/pictures/pic-")
    # The article page reads its pictures with its article and its related articles: the same ones.
    separate = web_pictures.article_pictures(engine, list(ids.values()))
    assert len(separate) >= 2 and article_store.get_article_view(engine, ids["jpg"]).picture == separate[ids["jpg"]]
    listed = story_store.listed_by_id(engine, list(ids.values()))
    assert {i: shown for i, (_, _, shown) in listed.items() if shown is not None} == separate


def test_a_backup_carries_the_pictures(engine, config, publisher, tmp_path):
    _store(engine, publisher)
    _run(engine, config)
    file = tmp_path / "desk.backup.gz"
    report = backup(engine, file)
    assert report.rows["pictures"] == 4 and report.rows["picture_files"] == 3 + 3  # two kept, two failed
    with fresh_database(engine.dialect.name, tmp_path / "restored") as url:
        target = open_database(url)
        try:
            restore(target, file)
            for width in (160, 320, 640):
                assert picture_store.picture_file(target, "pic-jpg", width) == picture_store.picture_file(
                    engine, "pic-jpg", width
                )
        finally:
            target.dispose()


PARAGRAPHS = "".join(
    f"<p>The harbour board met on Tuesday to discuss crane number {n} and the cost of its repair.</p>" for n in range(6)
)


def test_extraction_finds_the_lead_picture_and_what_it_shows():
    from broadsheet.extract.article import extract_article

    stated = (
        '<html><head><meta property="og:image" content="/img/crane.jpg">'
        '<meta property="og:image:alt" content="A crane at dusk"></head><body><article><h1>Crane</h1>'
        f"{PARAGRAPHS}</article></body></html>"
    )
    found = extract_article(stated, "https://pub.example/news/crane")
    assert (found.image, found.image_alt) == ("https://pub.example/img/crane.jpg", "A crane at dusk")
    figure_only = (
        "<html><body><article><h1>Crane</h1>"
        '<figure><img src="/photos/7.jpg"><figcaption>The crane on the quay.</figcaption></figure>'
        f"{PARAGRAPHS}</article></body></html>"
    )
    found = extract_article(figure_only, "https://pub.example/news/crane")
    assert (found.image, found.image_alt) == ("https://pub.example/photos/7.jpg", "The crane on the quay.")
    with_alt = figure_only.replace(
        '<img src="/photos/7.jpg">', '<img src="/photos/7.jpg" alt="Crane, seen from the water">'
    )
    assert extract_article(with_alt, "https://pub.example/news/crane").image_alt == "Crane, seen from the water"


def test_the_img_escapes_every_value_and_names_the_copy_that_fits_a_card():
    from broadsheet.store.pictures import Shown

    tag = str(
        web_pictures.picture_tag(Shown('a"1', None, [(160, 90), (320, 180), (640, 360)]), 'Say "<hi>" & go', "5rem")
    )
    assert 'alt="Say &#34;&lt;hi&gt;&#34; &amp; go"' in tag  # the headline, as no alt text was kept
    assert 'src="/pictures/a%221/320"' in tag and 'width="320" height="180"' in tag and 'class="thumb"' in tag
    assert 'srcset="/pictures/a%221/160 160w, /pictures/a%221/320 320w, /pictures/a%221/640 640w"' in tag
    assert str(web_pictures.picture_tag(None, "x")) == ""
