"""HTML and feed documents written for the tests (fictional)."""

ARTICLE_PARAGRAPHS = [
    "The Tollbridge council voted on Tuesday to reopen the old ferry crossing after a gap of eleven years, "
    "citing rising tolls on the river bridge and a petition signed by 2,300 residents.",
    "Councillor Amara Quell said the first sailings would run in the spring, with two boats carrying "
    "up to forty passengers each between the north quay and the market steps.",
    "Opponents argued that the money, estimated at 1.4 million crowns, would be better spent repairing "
    "the bridge itself, which has been under weight restrictions since last winter.",
    "The ferry operator will be chosen by tender in January, the council said.",
]


def article_page(
    title: str = "Tollbridge votes to bring back its river ferry",
    paragraphs=None,
    charset: str = "utf-8",
    extra_head: str = "",
) -> str:
    """A publisher-style page with furniture around one article."""
    paragraphs = paragraphs or ARTICLE_PARAGRAPHS
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="{charset}"><title>{title} | Tollbridge Echo</title>
<meta property="og:site_name" content="Tollbridge Echo">
<meta property="og:image" content="/img/ferry.jpg">
<meta property="article:published_time" content="2026-11-20T08:30:00+00:00">
<meta name="author" content="Petra Lune">
{extra_head}</head>
<body>
<div class="cookie">We use cookies to improve your experience. Accept all cookies</div>
<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1><p class="byline">By Petra Lune</p>
{body}
</article>
<aside class="newsletter">Sign up for the Morning Echo newsletter, delivered daily.</aside>
<footer>CONTACT US · © Tollbridge Echo</footer>
</body></html>"""


def rss_feed(items: list[tuple[str, str]], title: str = "Tollbridge Echo") -> bytes:
    """An RSS 2.0 feed with (title, link) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Fri, 20 Nov 2026 08:30:00 GMT</pubDate></item>"
        for t, link in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.invalid/</link>{entries}</channel></rss>"
    ).encode()
