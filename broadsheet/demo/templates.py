"""Per-publisher page templates for the demo newsroom.

Each publisher gets its own markup, metadata and page furniture so that extraction is tested
against many shapes of page. A site's furniture is identical across its own pages (site-level
boilerplate learning depends on that); only article-specific bits (tags, related links, author,
comment count) change between pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from html import escape


@dataclass(frozen=True)
class Link:
    """A headline or section link."""

    title: str
    url: str


@dataclass(frozen=True)
class PageView:
    """What every page of a site knows: who publishes it and where its feed lives."""

    name: str
    tagline: str
    charset: str
    home_url: str
    feed_url: str
    feed_type: str  # MIME type for <link rel="alternate">
    nav: tuple[Link, ...]
    now: datetime


@dataclass(frozen=True)
class HomeItem:
    """One teaser on a home or section page."""

    title: str
    url: str
    summary: str
    section: str
    published: datetime


@dataclass(frozen=True)
class HomeView(PageView):
    """A home or section page: a heading and the latest live teasers."""

    heading: str = ""
    url: str = ""  # this page's own URL (the home page or a section page)
    items: tuple[HomeItem, ...] = ()


@dataclass(frozen=True)
class ArticleView(PageView):
    """An article page with everything its template may print."""

    title: str = ""
    author: str = ""
    section: str = ""
    section_url: str = ""
    summary: str = ""  # for metadata: the article's summary or a cut of its first paragraph
    deck: str = ""  # a printed standfirst: only the article's own summary, never a copy of the body
    paragraphs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    url: str = ""
    image_url: str = ""
    image_alt: str = ""
    caption: str = ""
    published: datetime = field(kw_only=True)  # every article page has a time; keyword-only after the defaults
    related: tuple[Link, ...] = ()
    comments: int = 0
    wire_credit: str = ""  # name of the agency whose copy this syndicates


def esc(text: str) -> str:
    """Escape text for HTML element content and attribute values."""
    return escape(text, quote=True)


def author_name(byline: str) -> str:
    """Strip a leading 'By' from a byline."""
    text = byline.strip()
    return text[3:].strip() if text.lower().startswith("by ") else text


def summary_of(summary: str, paragraphs: tuple[str, ...], limit: int = 220) -> str:
    """The article's own summary, or its first paragraph cut at a word boundary."""
    if summary:
        return summary
    first = paragraphs[0] if paragraphs else ""
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def ago(now: datetime, then: datetime) -> str:
    """A relative age such as '14 minutes ago'."""
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return f"{hours // 24} days ago"


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix."""
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def paras(paragraphs: tuple[str, ...] | list[str], attrs: str = "") -> list[str]:
    """One <p> per paragraph, escaped."""
    return [f"<p{attrs}>{esc(p)}</p>" for p in paragraphs]


def interleave(blocks: list[str], every: int, inserts: list[str]) -> str:
    """Put one insert after every `every` blocks, never after the last block."""
    out: list[str] = []
    pending = list(inserts)
    for i, block in enumerate(blocks, 1):
        out.append(block)
        if pending and i % every == 0 and i < len(blocks):
            out.append(pending.pop(0))
    return "\n".join(out)


def chunks(blocks: list[str], size: int) -> list[list[str]]:
    """Split blocks into runs of `size` (the last run may be shorter)."""
    return [blocks[i : i + size] for i in range(0, len(blocks), size)] or [[]]


def head_links(v: PageView, canonical: str) -> str:
    """The canonical link and the feed autodiscovery link."""
    return (
        f'<link rel="canonical" href="{esc(canonical)}">\n'
        f'<link rel="alternate" type="{v.feed_type}" title="{esc(v.name)}" href="{esc(v.feed_url)}">'
    )


def og_tags(v: ArticleView, *, article_times: bool = True) -> str:
    """Open Graph tags, optionally with article:published_time and friends."""
    tags = [
        ("og:type", "article"),
        ("og:site_name", v.name),
        ("og:title", v.title),
        ("og:description", v.summary),
        ("og:url", v.url),
        ("og:image", v.image_url),
    ]
    if article_times:
        tags += [("article:published_time", iso(v.published)), ("article:section", v.section)]
        tags += [("article:tag", t) for t in v.tags]
    return "\n".join(f'<meta property="{k}" content="{esc(c)}">' for k, c in tags)


def json_ld(v: ArticleView) -> str:
    """A schema.org NewsArticle block; ASCII-only so it survives any page charset."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": v.title,
        "description": v.summary,
        "image": [v.image_url],
        "articleSection": v.section,
        "datePublished": iso(v.published),
        "dateModified": iso(v.published),
        "author": [{"@type": "Person", "name": v.author}] if v.author else [],
        "publisher": {"@type": "Organization", "name": v.name},
        "mainEntityOfPage": {"@type": "WebPage", "@id": v.url},
        "keywords": ", ".join(v.tags),
    }
    # "</" must not close the script element early.
    text = json.dumps(data, ensure_ascii=True).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def document(v: PageView, title: str, head: str, body: str, body_class: str = "") -> str:
    """A complete HTML5 document."""
    return (
        f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="{v.charset}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{esc(title)}</title>\n{head}\n</head>\n<body class="{body_class}">\n{body}\n</body>\n</html>\n'
    )


def nav_list(v: PageView, ul_class: str) -> str:
    """The site's section navigation as a list."""
    items = "".join(f'<li><a href="{esc(n.url)}">{esc(n.title)}</a></li>' for n in v.nav)
    return f'<ul class="{ul_class}">{items}</ul>'


def link_list(links: tuple[Link, ...], ul: str = "ul") -> str:
    """Headline links as a list."""
    return f"<{ul}>" + "".join(f'<li><a href="{esc(r.url)}">{esc(r.title)}</a></li>' for r in links) + f"</{ul}>"


def tag_links(tags: tuple[str, ...], sep: str = ", ") -> str:
    """Tags as links to tag pages."""
    return sep.join(f'<a rel="tag" href="/tag/{esc(t.lower().replace(" ", "-"))}">{esc(t)}</a>' for t in tags)


class Skin:
    """A publisher's chrome (top and bottom of every page) and its article layout."""

    body_class = "site"

    def head(self, v: ArticleView) -> str:
        """Metadata for an article page."""
        return head_links(v, v.url) + "\n" + og_tags(v)

    def top(self, v: PageView) -> str:
        """Navigation, banners and notices above the content."""
        raise NotImplementedError

    def bottom(self, v: PageView) -> str:
        """The footer."""
        raise NotImplementedError

    def article(self, v: ArticleView) -> str:
        """The article and any furniture inside or around it."""
        raise NotImplementedError

    def teasers(self, v: HomeView) -> str:
        """The list of teasers on a home or section page."""
        items = "\n".join(
            f'<li class="teaser"><span class="teaser-section">{esc(i.section)}</span>'
            f'<h2><a href="{esc(i.url)}">{esc(i.title)}</a></h2><p>{esc(i.summary)}</p>'
            f'<time datetime="{iso(i.published)}">{ago(v.now, i.published)}</time></li>'
            for i in v.items
        )
        return f'<main id="content"><h1 class="page-title">{esc(v.heading)}</h1>\n<ul class="teasers">\n{items}\n</ul></main>'

    def render_article(self, v: ArticleView) -> str:
        """A full article page."""
        body = "\n".join((self.top(v), self.article(v), self.bottom(v)))
        return document(v, f"{v.title} | {v.name}", self.head(v), body, self.body_class)

    def render_home(self, v: HomeView) -> str:
        """A full home or section page."""
        head = head_links(v, v.url) + f'\n<meta name="description" content="{esc(v.tagline)}">'
        body = "\n".join((self.top(v), self.teasers(v), self.bottom(v)))
        return document(v, f"{v.heading} | {v.name}" if v.heading != v.name else v.name, head, body, self.body_class)


class Herald(Skin):
    """Northgate Herald: a modern broadsheet; <article>, JSON-LD, body split by an ad slot."""

    body_class = "herald"

    def head(self, v: ArticleView) -> str:
        return super().head(v) + "\n" + json_ld(v)

    def top(self, v: PageView) -> str:
        return f"""<div id="cookie-banner" class="consent" role="dialog"><p>We use cookies to personalise content and ads and to analyse our traffic. <a href="/privacy">Read our cookie policy</a>.</p><button>Accept all cookies</button> <button>Manage preferences</button></div>
<div class="browser-notice">Your web browser is no longer supported. To improve your experience <a href="/browsers">update it here</a>.</div>
<header class="masthead"><a class="skip" href="#content">Skip to main content</a><a class="logo" href="/">{esc(v.name)}</a><p class="tagline">{esc(v.tagline)}</p>
<nav class="sections">{nav_list(v, "nav-sections")}</nav><a class="subscribe" href="/subscribe">Subscribe from 1 crown a week</a></header>"""

    def bottom(self, v: PageView) -> str:
        return f"""<footer class="site-footer"><div class="contact"><h2>CONTACT US</h2><p>The Northgate Herald, 1 Printers Row, Northgate. Newsdesk: newsdesk@northgate-herald.example</p></div>
<p class="copyright">© {v.now.year} The Northgate Herald Ltd. All rights reserved.</p></footer>"""

    def article(self, v: ArticleView) -> str:
        runs = chunks(paras(v.paragraphs), 3)
        read_more = (
            f'<p class="read-more">Read more: <a href="{esc(v.related[0].url)}">{esc(v.related[0].title)}</a></p>'
            if v.related
            else ""
        )
        breaks = [f'<div class="ad-slot" aria-hidden="true"><span>Advertisement</span></div>\n{read_more}']
        body = interleave(['<div class="story-body">\n' + "\n".join(r) + "\n</div>" for r in runs], 1, breaks)
        byline = (
            f'By <a rel="author" href="/profile/{esc(v.author.lower().replace(" ", "-"))}">{esc(v.author)}</a> '
            if v.author
            else ""
        )
        author_box = (
            f'<div class="author-box"><h2>About the author</h2><p>{esc(v.author)} is a reporter at The Northgate Herald. <a href="#">Follow {esc(v.author)}</a></p></div>'
            if v.author
            else ""
        )
        credit = f'<p class="wire">This article was supplied by {esc(v.wire_credit)}.</p>' if v.wire_credit else ""
        return f"""<main id="content"><article class="story">
<header class="story-header"><p class="kicker"><a href="{esc(v.section_url)}">{esc(v.section)}</a></p><h1 class="headline">{esc(v.title)}</h1>{f'<p class="standfirst">{esc(v.deck)}</p>' if v.deck else ""}
<div class="byline">{byline}<time datetime="{iso(v.published)}">{v.published.day} {v.published:%B %Y} · {v.published:%H.%M} GMT</time></div></header>
<ul class="share"><li><button data-share="facebook">Share on Facebook</button></li><li><button data-share="x">Share on X</button></li><li><button data-share="email">Share by email</button></li><li><button data-copy>Copy link</button></li></ul>
<figure class="lead"><img src="{esc(v.image_url)}" alt="{esc(v.image_alt)}" width="640" height="360"><figcaption>{esc(v.caption)} <span class="credit">Photograph: Northgate Herald picture desk</span></figcaption></figure>
{body}
{credit}
<footer class="story-footer"><p class="tags">Tags: {tag_links(v.tags)}</p>{author_box}</footer>
</article>
<aside class="newsletter"><h2>Sign up for the Herald Morning Briefing</h2><p>Our editors' pick of the day's news, in your inbox at 7am.</p><form action="/newsletter" method="post"><input type="email" name="email" placeholder="Your email address"><button>Sign up</button></form></aside>
<section class="related"><h2>More from The Northgate Herald</h2>{link_list(v.related)}</section>
<section id="comments"><h2>Comments ({v.comments})</h2><p>Join the conversation. Comments are moderated under our community guidelines. <a href="/comment-policy">Read our comment policy</a>.</p><button>Show comments</button></section>
</main>"""


class Courier(Skin):
    """Valley Courier: a regional div soup; story-body holding text blocks and a newsletter box."""

    body_class = "single"

    def head(self, v: ArticleView) -> str:
        # Open Graph without article:* times: the date is only in the page's <time>.
        return (
            head_links(v, v.url)
            + "\n"
            + og_tags(v, article_times=False)
            + (f'\n<meta name="author" content="{esc(v.author)}">' if v.author else "")
        )

    def top(self, v: PageView) -> str:
        return f"""<div id="page" class="site">
<div class="cookie-notice" id="cookieNotice">This website uses cookies. By continuing to browse you agree to our use of cookies. <a href="/cookies">Cookie settings</a> <a class="btn" href="#">OK</a></div>
<div class="outdated-browser"><strong>Your browser is out of date.</strong> It is no longer supported. To improve your experience update it here: <a href="/upgrade">get a newer browser</a></div>
<div class="top-bar"><div class="container"><a class="brand" href="/"><img src="/static/logo.svg" alt="{esc(v.name)}"></a><span class="strap">{esc(v.tagline)}</span>{nav_list(v, "menu")}</div></div>
<div class="container main-wrap"><div class="row">"""

    def bottom(self, v: PageView) -> str:
        return f"""<div class="col-4 sidebar"><div class="widget widget-ad"><span class="ad-label">Advertisement</span><div class="ad-unit"></div></div>
<div class="widget"><h4>Weather</h4><p>Halvern: showers clearing later, 11°C</p></div></div>
</div></div>
<div class="footer"><div class="container"><h4>CONTACT US</h4><p>Valley Courier, 12 Mill Street, Halvern. Call the newsdesk on 0161 400 220.</p>
<p>Copyright © {v.now.year} Valley Courier Media. All rights reserved.</p></div></div>
</div>"""

    def teasers(self, v: HomeView) -> str:
        return '<div class="col-8">' + super().teasers(v) + "</div>"

    def article(self, v: ArticleView) -> str:
        blocks = ['<div class="text-block">' + "".join(r) + "</div>" for r in chunks(paras(v.paragraphs), 2)]
        box = (
            '<div class="newsletter-inline"><h3>Get the Valley Morning newsletter</h3><p>Sign up for the stories that matter in the Halvern valley, free every weekday.</p>'
            '<form><input type="email" placeholder="Email address"><button>Subscribe</button></form></div>'
        )
        # A reader appeal in the article flow, as plain <p>: only site-level learning can tell it is furniture.
        appeal = (
            "<p>Independent local journalism needs you: the Valley Courier is published by a readers' "
            "cooperative, and membership starts at three crowns a month.</p>"
        )
        body = interleave(blocks, 1, [box]) + appeal
        credit = f'<p class="syndication">Distributed by {esc(v.wire_credit)}</p>' if v.wire_credit else ""
        author = (
            f'<div class="author-card"><h4>About the author</h4><p>{esc(v.author)} reports for the Valley Courier.</p></div>'
            if v.author
            else ""
        )
        return f"""<div class="col-8">
<div class="breadcrumbs"><a href="/">Home</a> › <a href="{esc(v.section_url)}">{esc(v.section)}</a></div>
<h1 class="entry-heading">{esc(v.title)}</h1>
<div class="meta-line"><span class="author-name">{esc(v.author)}</span> · <time datetime="{iso(v.published)}">Published {v.published.hour % 12 or 12}:{v.published:%M}{"am" if v.published.hour < 12 else "pm"}, {v.published.day} {v.published:%B %Y}</time> · <span class="reading-time">{max(1, sum(len(p.split()) for p in v.paragraphs) // 200)} min read</span></div>
<div class="story-body">
<div class="lead-image"><img src="{esc(v.image_url)}" alt="{esc(v.image_alt)}"><div class="caption">{esc(v.caption)} <em>Photo: Valley Courier staff</em></div></div>
{body}
{credit}
<div class="share-row">Share this story: <a href="#">Share on Facebook</a> <a href="#">Share on WhatsApp</a> <a href="#">Copy link</a></div>
<div class="topics">Topics: {tag_links(v.tags, " ")}</div>
</div>
{author}
<div class="comments-block"><h3>Comments ({v.comments})</h3><p>Join the conversation. Please keep comments civil and read our community guidelines.</p></div>
<div class="most-read"><h4>Most read</h4>{link_list(v.related, "ol")}</div>
</div>"""


class Wire(Skin):
    """Meridian Wire: a sparse agency page with a plain 'By X' line and a CSS background image."""

    body_class = "wire"

    def head(self, v: ArticleView) -> str:
        return (
            head_links(v, v.url)
            + f'\n<meta name="description" content="{esc(v.summary)}">'
            + (f'\n<meta name="author" content="{esc(v.author)}">' if v.author else "")
            + f'\n<meta property="og:title" content="{esc(v.title)}">\n<meta property="og:image" content="{esc(v.image_url)}">'
            + f'\n<meta property="article:published_time" content="{v.published.isoformat()}">'
        )

    def top(self, v: PageView) -> str:
        links = " | ".join(f'<a href="{esc(n.url)}">{esc(n.title)}</a>' for n in v.nav)
        return f"""<div class="cookie-bar">Meridian Wire uses cookies for essential site functions only. <button>Accept</button></div>
<div class="legacy-browser">This browser is no longer supported. To improve your experience, please update it here.</div>
<header class="wire-header"><a href="/" class="wordmark">MERIDIAN WIRE</a> <span>{esc(v.tagline)}</span><nav aria-label="Sections">{links}</nav></header>
<div class="wrap">"""

    def bottom(self, v: PageView) -> str:
        return f"""<aside class="newsletter"><b>The Meridian Brief</b> – sign up for our newsletter: the world's news in five minutes, every morning.</aside>
</div>
<footer class="wire-footer"><p><b>CONTACT US</b> · Licensing: sales@meridian-wire.example · Corrections: desk@meridian-wire.example</p>
<p>© {v.now.year} Meridian Wire. All rights reserved. Republication or redistribution requires a licence.</p></footer>"""

    def article(self, v: ArticleView) -> str:
        byline = f'<p class="byline">By {esc(v.author)}</p>' if v.author else ""
        about = (
            f'<p class="author-note">About the author: {esc(v.author)} is a correspondent for Meridian Wire.</p>'
            if v.author
            else ""
        )
        return f"""<article class="wire-story">
<h1>{esc(v.title)}</h1>
{byline}
<p class="timestamp">{v.published:%d %b %Y %H:%M} UTC</p>
<div class="media" role="img" aria-label="{esc(v.image_alt)}" style="background-image:url('{esc(v.image_url)}')"></div>
<p class="caption">{esc(v.caption)} (Photo credit: Meridian Wire photo service)</p>
{chr(10).join(paras(v.paragraphs))}
<div class="share">Share on X · Share on LinkedIn · <button>Copy link</button></div>
<p class="tags">Tags: {tag_links(v.tags)}</p>
{about}
</article>
<aside class="more"><h2>More from Meridian Wire</h2>{link_list(v.related)}</aside>
<section class="comments"><h3>Comments ({v.comments})</h3><p>Join the conversation – subscribers may comment under our comment policy.</p></section>"""


class Ledger(Skin):
    """Civic Ledger: <main><section>, JSON-LD, a lazy image, paragraphs interleaved with asides."""

    body_class = "article-page"

    def head(self, v: ArticleView) -> str:
        return super().head(v) + "\n" + json_ld(v)

    def top(self, v: PageView) -> str:
        return f"""<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header"><div class="brand"><a href="/">{esc(v.name)}</a> <em>{esc(v.tagline)}</em></div><nav class="primary-nav">{nav_list(v, "primary-nav__list")}</nav><a class="btn" href="/join">Subscribe</a></header>
<div class="notice notice--browser">Your web browser is no longer supported. To improve your experience update it here.</div>"""

    def bottom(self, v: PageView) -> str:
        return f"""<footer class="site-footer"><section><h3>CONTACT US</h3><p>The Civic Ledger, 40 Assembly Lane, Kessford. Tips: tips@civic-ledger.example</p></section>
<p>© {v.now.year} The Civic Ledger. All rights reserved.</p></footer>
<div class="cookie-consent" role="dialog" aria-label="Cookie consent"><p>We use cookies and similar technologies to measure our audience.</p><button>Accept all</button> <button>Reject non-essential</button></div>"""

    def article(self, v: ArticleView) -> str:
        ad = '<div class="ad-slot" data-ad-unit="mpu"><small>Advertisement</small></div>'
        more = f'<aside class="inline-related"><h3>More from The Civic Ledger</h3>{link_list(v.related)}</aside>'
        appeal = (
            "<p>The Civic Ledger is independent and funded by its readers. If you value reporting on power "
            "and money, become a supporting member today.</p>"
        )  # site-level boilerplate in the flow
        body = interleave(paras(v.paragraphs), 2, [ad, more, ad]) + appeal
        byline = (
            f'<address class="article-byline">By <span class="author">{esc(v.author)}</span></address>'
            if v.author
            else ""
        )
        credit = f'<p class="credit-line">Reporting by {esc(v.wire_credit)}.</p>' if v.wire_credit else ""
        bio = (
            f'<section class="author-bio"><h2>About the author</h2><p>{esc(v.author)} covers politics and money for The Civic Ledger.</p></section>'
            if v.author
            else ""
        )
        return f"""<main id="main"><section class="article-content" aria-labelledby="headline">
<header class="article-header"><span class="kicker">{esc(v.section.upper())}</span><h1 id="headline">{esc(v.title)}</h1>{f'<p class="deck">{esc(v.deck)}</p>' if v.deck else ""}
{byline}<time datetime="{v.published.isoformat()}">{v.published:%B} {v.published.day}, {v.published.year}</time>
<figure class="hero"><img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="{esc(v.image_url)}"><noscript><img src="{esc(v.image_url)}"></noscript><figcaption>{esc(v.caption)} · Photo credit: Civic Ledger/Archive</figcaption></figure>
</header>
{body}
{credit}
<p class="article-tags">Filed under: {tag_links(v.tags, " · ")}</p>
<div class="share-tools"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> <button>Copy link</button></div>
</section>
{bio}
<section class="newsletter-signup"><h2>Ledger Weekly</h2><p>Sign up for our weekly newsletter on power and money.</p><form><input type="email"><button>Sign me up</button></form></section>
<section class="comments"><h2>Comments ({v.comments})</h2><p>Join the conversation. Comments are open to subscribers and moderated under our community guidelines.</p></section>
</main>"""


class Press(Skin):
    """Brightline: WordPress-like; no <article>, entry-content holding share, CTA and related."""

    body_class = "single single-post"

    def head(self, v: ArticleView) -> str:
        return super().head(v) + "\n" + json_ld(v)

    def top(self, v: PageView) -> str:
        return f"""<div id="cookie-law-info-bar">This website uses cookies to improve your experience. <a href="#" class="cli-accept">Accept</a> <a href="/privacy">Read more</a></div>
<div id="page" class="site"><header id="masthead" class="site-header"><p class="site-title"><a href="/" rel="home">{esc(v.name)}</a></p><p class="site-description">{esc(v.tagline)}</p>
<nav id="site-navigation" class="main-navigation">{nav_list(v, "menu")}</nav></header>
<div class="browser-upgrade">Heads up: your web browser is no longer supported. To improve your experience update it here.</div>
<div id="content" class="site-content">"""

    def bottom(self, v: PageView) -> str:
        return f"""<aside id="secondary" class="widget-area"><section class="widget"><span>Advertisement</span></section><section class="widget"><h2>Popular this week</h2></section></aside>
</div><footer id="colophon" class="site-footer"><div class="site-info"><h2>Contact us</h2><p>Brightline, 9 Foundry Yard, Kessford · hello@brightline.example</p><p>© {v.now.year} Brightline. All rights reserved. Proudly self-hosted.</p></div></footer></div>"""

    def article(self, v: ArticleView) -> str:
        cta = (
            '<div class="wp-block-group newsletter-cta"><h3>Like this? Sign up for the Brightline Digest</h3><p>One email a week, no spam, unsubscribe anytime.</p>'
            '<form><input type="email" placeholder="you@example.com"><button>Subscribe</button></form></div>'
        )
        body = interleave(paras(v.paragraphs), 3, [cta])
        author = (
            f'<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/{esc(v.author.lower().replace(" ", "-"))}/">{esc(v.author)}</a></span></span>'
            if v.author
            else ""
        )
        credit = (
            f'<p class="has-small-font-size">Originally published by {esc(v.wire_credit)}.</p>' if v.wire_credit else ""
        )
        bio = (
            f'<div class="author-info"><h2 class="author-title">About the author</h2><p class="author-bio">{esc(v.author)} writes about technology and science for Brightline.</p></div>'
            if v.author
            else ""
        )
        return f"""<div id="primary" class="content-area"><main id="main" class="site-main">
<div class="post type-post status-publish format-standard hentry">
<header class="entry-header"><span class="cat-links"><a href="{esc(v.section_url)}" rel="category tag">{esc(v.section)}</a></span><h1 class="entry-title">{esc(v.title)}</h1>
<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{v.published.isoformat()}">{v.published:%B} {v.published.day}, {v.published.year}</time></span>{author}</div></header>
<div class="entry-content">
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li><a href="#">Share on Mastodon</a></li><li><a href="#">Share on Bluesky</a></li><li><a href="#">Copy link</a></li></ul></div>
<figure class="wp-block-image size-large"><img src="{esc(v.image_url)}" alt="{esc(v.image_alt)}"><figcaption>{esc(v.caption)} — Illustration: Brightline studio</figcaption></figure>
{body}
{credit}
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>{link_list(v.related)}</div>
</div>
<footer class="entry-footer"><span class="tags-links">Tagged: {tag_links(v.tags)}</span></footer>
{bio}
</div>
<div id="comments" class="comments-area"><h2 class="comments-title">Comments ({v.comments})</h2><div id="respond"><h3>Join the conversation</h3><p class="comment-notes">Your email address will not be published. Please read our community guidelines before commenting.</p><form><textarea name="comment"></textarea><button>Post comment</button></form></div></div>
</main></div>"""


class Legacy(Skin):
    """Harbour Times: a 2003-vintage table layout in ISO-8859-1 with <font> headlines."""

    body_class = "ht"

    def head(self, v: ArticleView) -> str:
        return (
            head_links(v, v.url)
            + f'\n<meta name="author" content="{esc(v.author)}">\n<meta name="keywords" content="{esc(", ".join(v.tags))}">'
            + f'\n<meta name="description" content="{esc(v.summary)}">\n<meta name="date" content="{v.published:%Y-%m-%d}">'
            + f'\n<meta property="og:title" content="{esc(v.title)}">\n<meta property="og:image" content="{esc(v.image_url)}">'
        )

    def top(self, v: PageView) -> str:
        links = "<br>\n".join(f'<a href="{esc(n.url)}">{esc(n.title)}</a>' for n in v.nav)
        return f"""<table width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td colspan="3" class="cookiebar" bgcolor="#ffffcc"><font size="1">This site uses cookies (the digital kind, not the ones from Café Marée on Quay Street). <a href="/cookies.html">Accept cookies</a></font></td></tr>
<tr><td colspan="3" class="oldbrowser"><font size="1" color="#990000">Your web browser is no longer supported. To improve your experience update it here.</font></td></tr>
<tr><td colspan="3" bgcolor="#003366"><a href="/"><font size="6" color="#ffffff" face="Georgia"><b>HARBOUR TIMES</b></font></a> <font color="#ccddee">{esc(v.tagline)} · Est. 1889</font></td></tr>
<tr><td width="160" valign="top" class="leftnav" bgcolor="#eeeeee">{links}<br><br><b>Weather</b><br>Port Varrow: 14°C, fresh breeze<br><b>Tides</b><br>High water 06:42</td>
<td valign="top" class="content">"""

    def bottom(self, v: PageView) -> str:
        return f"""</td>
<td width="180" valign="top" class="rightcol"><font size="1">ADVERTISEMENT</font><br>Café Marée – fresh crêpes on Quay Street<br><br>
<b>Newsletter</b><br><font size="2">Sign up for the Harbour Times daily e-mail.</font><form action="/newsletter.php"><input name="email" size="14"><input type="submit" value="Go"></form></td></tr>
<tr><td colspan="3" class="footer" align="center"><font size="1">CONTACT US: Harbour Times, 3 Quay Street, Port Varrow · Tel. 0140 220 100 · © {v.now.year} Harbour Times. All rights reserved.</font></td></tr>
</table>"""

    def teasers(self, v: HomeView) -> str:
        rows = "\n".join(
            f'<tr><td><font size="1">{i.published:%d.%m.%Y %H:%M}</font></td><td><a href="{esc(i.url)}"><b>{esc(i.title)}</b></a><br><font size="2">{esc(i.summary)}</font></td></tr>'
            for i in v.items
        )
        return (
            f'<font size="4"><b>{esc(v.heading)}</b></font><table cellpadding="4" class="newslist">\n{rows}\n</table>'
        )

    def article(self, v: ArticleView) -> str:
        more = "".join(f'<a href="{esc(r.url)}">{esc(r.title)}</a><br>' for r in v.related)
        credit = f'<p class="bodytext"><i>Source: {esc(v.wire_credit)}</i></p>' if v.wire_credit else ""
        about = (
            f'<hr size="1"><b>About the author:</b> {esc(v.author)} has reported for the Harbour Times from the waterfront for many years.'
            if v.author
            else ""
        )
        return f"""<font size="1"><a href="/">Home</a> &gt; <a href="{esc(v.section_url)}">{esc(v.section)}</a></font><br>
<span class="headline"><font size="5" face="Georgia"><b>{esc(v.title)}</b></font></span><br>
<font size="2" class="byline">{"By " + esc(v.author) if v.author else ""}</font><br>
<font size="1" color="#666666">Published: {v.published:%d.%m.%Y %H:%M}</font><br><br>
<table align="right" width="300" cellpadding="3"><tr><td><img src="{esc(v.image_url)}" alt="{esc(v.image_alt)}" width="300"></td></tr><tr><td><font size="1">{esc(v.caption)}<br>Photo: Harbour Times archive</font></td></tr></table>
{chr(10).join(paras(v.paragraphs, ' class="bodytext"'))}
{credit}
<br><font size="1">Tags: {tag_links(v.tags)}</font><br>
<table class="sharebar"><tr><td>Share on Facebook</td><td>Share on X</td><td>E-mail to a friend</td><td>Copy link</td></tr></table>
{about}
<hr size="1"><b>Comments ({v.comments})</b> – Join the conversation! Comments are checked by our moderators; please read the comment policy.
<hr size="1"><b>More from Harbour Times</b><br>{more}"""

    def render_article(self, v: ArticleView) -> str:
        return self._legacy_document(v, f"{v.title} - Harbour Times", self.head(v), self.article(v))

    def render_home(self, v: HomeView) -> str:
        head = head_links(v, v.url)
        return self._legacy_document(
            v, v.name if v.heading == v.name else f"{v.heading} - Harbour Times", head, self.teasers(v)
        )

    def _legacy_document(self, v: PageView, title: str, head: str, content: str) -> str:
        # HTML 4 doctype and http-equiv charset, as such sites still have.
        return (
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<html>\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={v.charset}">\n<title>{esc(title)}</title>\n{head}\n</head>\n'
            f'<body bgcolor="#ffffff" topmargin="0" leftmargin="0">\n{self.top(v)}\n{content}\n{self.bottom(v)}\n</body>\n</html>\n'
        )


class Tabloid(Skin):
    """Evening Sentinel: a tabloid with microdata, a privacy overlay and READ MORE breaks."""

    body_class = "tabloid"

    def head(self, v: ArticleView) -> str:
        return (
            head_links(v, v.url)
            + "\n"
            + og_tags(v, article_times=False)
            + '\n<meta name="twitter:card" content="summary_large_image">'
        )

    def top(self, v: PageView) -> str:
        links = "".join(f'<a href="{esc(n.url)}">{esc(n.title.upper())}</a>' for n in v.nav)
        return f"""<div class="gdpr-overlay"><div class="gdpr-box"><h3>We value your privacy</h3><p>We and our partners use cookies to store and access information on your device for personalised ads and content.</p><button>I ACCEPT</button><button>MORE OPTIONS</button></div></div>
<div class="unsupported-browser">Your web browser is no longer supported. To improve your experience update it here.</div>
<header class="header"><div class="logo"><a href="/">THE EVENING SENTINEL</a></div><nav class="nav-primary">{links}<a class="nav-live" href="/">LIVE</a></nav></header>
<div class="page">"""

    def bottom(self, v: PageView) -> str:
        return f"""</div>
<footer class="footer"><div class="footer-contact"><h4>CONTACT US</h4><p>Newsdesk: 0800 555 0199 · news@evening-sentinel.example</p></div>
<p class="legal">© {v.now.year} Evening Sentinel Newspapers Ltd. All rights reserved.</p></footer>"""

    def article(self, v: ArticleView) -> str:
        inserts = [
            f'<aside class="read-more-link"><strong>READ MORE:</strong> <a href="{esc(r.url)}">{esc(r.title)}</a></aside>'
            for r in v.related[:1]
        ]
        inserts.append(
            '<div class="ad-container"><span class="ad-label">Advertisement</span><div class="ad"></div></div>'
        )
        body = interleave(paras(v.paragraphs), 2, inserts)
        flag = "BREAKING" if (v.now - v.published).total_seconds() < 5400 else v.section.upper()
        author = (
            f'<span class="author" itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">{esc(v.author)}</span></span>'
            if v.author
            else ""
        )
        profile = (
            f'<div class="author-profile"><b>About the author</b><p>{esc(v.author)} is a reporter on the Sentinel news desk.</p></div>'
            if v.author
            else ""
        )
        credit = f'<p class="agency">Additional reporting: {esc(v.wire_credit)}</p>' if v.wire_credit else ""
        return f"""<div class="article-wrapper" itemscope itemtype="https://schema.org/NewsArticle">
<meta itemprop="datePublished" content="{iso(v.published)}"><link itemprop="mainEntityOfPage" href="{esc(v.url)}"><meta itemprop="image" content="{esc(v.image_url)}">
<span class="flag">{flag}</span>
<h1 itemprop="headline" class="article-title">{esc(v.title)}</h1>
<div class="article-meta">{author} <span class="pub-date">{v.published:%H:%M, %d %b %Y}</span></div>
<div class="share-bar">Share on Facebook | Share on WhatsApp | Share on X | <button>Copy link</button></div>
<figure><img src="{esc(v.image_url)}" alt="{esc(v.image_alt)}"><figcaption>{esc(v.caption)} (Image: Evening Sentinel)</figcaption></figure>
<div itemprop="articleBody" class="article-body">
{body}
</div>
{credit}
<div class="newsletter-box"><b>Never miss a story</b><p>Sign up for Sentinel breaking news alerts, straight to your inbox.</p><button>SIGN UP</button></div>
<div class="tag-list">Tags: {tag_links(v.tags, " ")}</div>
{profile}
<div class="comments-teaser"><h3>Comments ({v.comments})</h3><p>Join the conversation – read our house rules before you post.</p></div>
<section class="more-stories"><h2>You may also like</h2>{link_list(v.related)}</section>
</div>"""


SKINS: dict[str, Skin] = {
    "northgate-herald": Herald(),
    "valley-courier": Courier(),
    "meridian-wire": Wire(),
    "civic-ledger": Ledger(),
    "brightline": Press(),
    "harbour-times": Legacy(),
    "evening-sentinel": Tabloid(),
}
