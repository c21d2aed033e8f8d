"""Article metadata (title, byline, date, language, site, image) from a parsed page.

Publishers state metadata in several places; we read the most explicit first (the article's
JSON-LD, then Dublin Core / Open Graph / Twitter / Parse.ly <meta> tags), then the page's visible
markup. The order and the <title> clean-up follow the conventions of Mozilla Readability, the
reader view most readers know, so a headline reads the way they expect: site-name suffixes such
as " | Site" or " - Site" are dropped when what remains is long enough to stand alone.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import html as lxml_html

from broadsheet.text.dates import parse_date
from broadsheet.text.urls import safe_url

# schema.org types whose headline is an article's headline (Readability's list, plus live blogs).
_ARTICLE_TYPES = {
    "article",
    "advertisercontentarticle",
    "newsarticle",
    "analysisnewsarticle",
    "askpublicnewsarticle",
    "backgroundnewsarticle",
    "opinionnewsarticle",
    "reportagenewsarticle",
    "reviewnewsarticle",
    "report",
    "satiricalarticle",
    "scholarlyarticle",
    "medicalscholarlyarticle",
    "socialmediaposting",
    "blogposting",
    "liveblogposting",
    "discussionforumposting",
    "techarticle",
    "apireference",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage"}  # dates and authors only: their name is the <title>
_BY_PREFIX = re.compile(r"^\s*(written\s+by|posted\s+by|by|von|par|por|door|di|af|av)\b[\s:]*", re.I)
_TITLE_SEPARATORS = "|\\-–—\\\\/>»"
_SEPARATOR = re.compile(rf"\s[{_TITLE_SEPARATORS}]\s")
_HIERARCHY = re.compile(r"\s[\\/>»]\s")
_LEADING_PART = re.compile(rf"^[^{_TITLE_SEPARATORS}]*[{_TITLE_SEPARATORS}]")
_BYLINE_HINT = re.compile(r"byline|author|dateline|writtenby|p-author", re.I)
_UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|"
    r"legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|"
    r"supplemental|ad-break|agegate|pagination|pager|popup|yom-remote",
    re.I,
)
_HEADER = re.compile(r"header|masthead", re.I)
_MAYBE = re.compile(r"and|article|body|column|content|main|shadow", re.I)
_UNLIKELY_ROLES = {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"}
_NOT_A_NAME = re.compile(
    r"\b(sign\s*(in|up|out)|log\s*(in|out)|subscribe|register|menu|newsletter|cookies?|search)\b", re.I
)
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "select", "button", "form", "iframe"}
_BYLINE_TAIL = re.compile(
    r"\s*(\s[|•·]\s|\b(last\s+)?updated\b|\bpublished\b|\bposted\b|\bon\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|"
    r"jul|aug|sep|oct|nov|dec)|\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?\b,?\s|\b\d+\s*(min|hour|day|hr|h)s?\b).*$",
    re.I,
)


@dataclass
class PageMeta:
    """Every <meta> of a page, read once: `property` tokens, normalised `name`s and `itemprop`s."""

    prop: dict[str, str] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)
    itemprop: dict[str, str] = field(default_factory=dict)

    def get(self, *keys: str) -> str:
        """First non-empty value among keys, in the order given; RDFa `property` beats `name`."""
        for key in keys:
            value = self.prop.get(key) or self.name.get(key) or self.itemprop.get(key)
            if value:
                return value
        return ""


def read_meta(tree: lxml_html.HtmlElement) -> PageMeta:
    """Index the page's <meta> tags (first occurrence of a key wins)."""
    meta = PageMeta()
    for node in tree.iter("meta"):
        content = " ".join((node.get("content") or "").split())
        if not content:
            continue
        for token in (node.get("property") or "").lower().split():
            meta.prop.setdefault(token, content)
        name = node.get("name")
        if name:
            meta.name.setdefault("".join(name.split()).lower().replace(".", ":"), content)
        itemprop = node.get("itemprop")
        if itemprop:
            for token in itemprop.lower().split():
                meta.itemprop.setdefault(token, content)
    return meta


def _load_json_ld(text: str) -> object:
    """Parse one JSON-LD script, tolerating CDATA wrappers and trailing commas; None when broken."""
    text = re.sub(r"^\s*(//\s*)?<!\[CDATA\[|(//\s*)?\]\]>\s*$", "", text.strip())
    try:
        return json.loads(text)
    except ValueError:
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", text))
        except ValueError:
            return None  # broken JSON-LD is common; the other sources still apply


def _json_ld_items(tree: lxml_html.HtmlElement) -> list[dict]:
    """Every JSON-LD object on the page in document order, flattened out of lists and @graph."""
    items: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        stack = [_load_json_ld(script.text_content() or "")]
        while stack:
            node = stack.pop(0)
            if isinstance(node, list):
                stack[:0] = node
            elif isinstance(node, dict):
                items.append(node)
                if "@graph" in node:
                    stack.insert(0, node["@graph"])
    return items


def _types(item: dict) -> set[str]:
    kinds = item.get("@type", "")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {str(k).lower().rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds}


def article_ld(tree: lxml_html.HtmlElement) -> dict:
    """The JSON-LD object describing the article ({} when none): an article type first, else a web page."""
    items = _json_ld_items(tree)
    for wanted in (_ARTICLE_TYPES, _PAGE_TYPES):
        for item in items:
            if _types(item) & wanted:
                return item
    return {}


def _names(value: object) -> list[str]:
    """Names out of a JSON-LD author/publisher value (string, object or list)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name", ""))
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _ld_text(value: object) -> str:
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def _word_count(text: str) -> int:
    """Words as Readability counts them (pieces between whitespace runs, empty ends included)."""
    return len(re.split(r"\s+", text))


def _text_similarity(a: str, b: str) -> float:
    """Share of b's text made of words that also occur in a."""
    words_a = [w for w in re.split(r"\W+", a.lower()) if w]
    words_b = [w for w in re.split(r"\W+", b.lower()) if w]
    if not words_a or not words_b:
        return 0.0
    unique_b = [w for w in words_b if w not in words_a]
    return 1 - len(" ".join(unique_b)) / len(" ".join(words_b))


def document_title(tree: lxml_html.HtmlElement) -> str:
    """The <title>, without the site-name part when what remains can stand alone as a headline."""
    node = tree.find(".//title")
    original = " ".join(node.text_content().split()) if node is not None else ""
    title, hierarchical = original, False
    if _SEPARATOR.search(title):
        hierarchical = bool(_HIERARCHY.search(title))
        title = original[: list(_SEPARATOR.finditer(original))[-1].start()]
        if title in _headings(tree, "h1"):
            return title  # the page's own heading confirms where the site name begins
        if _word_count(title) < 3:  # "Site | Headline": drop the first part instead
            title = _LEADING_PART.sub("", original, count=1)
    elif ": " in title:
        if title not in _headings(tree, "h1", "h2"):  # "Section: Headline" unless a heading says the whole thing
            title = original[original.rfind(":") + 1 :]
            if _word_count(title) < 3:
                title = original[original.find(":") + 1 :]
            elif _word_count(original[: original.find(":")]) > 5:
                title = original
    elif len(title) > 150 or len(title) < 15:
        h1s = list(tree.iter("h1"))
        if len(h1s) == 1:
            title = h1s[0].text_content()
    title = " ".join(title.split())
    words = _word_count(title)
    if words <= 4 and (not hierarchical or words != _word_count(_SEPARATOR.sub(" ", original)) - 1):
        title = original  # too little left to stand alone: the whole <title> is the better headline
    return title


def _headings(tree: lxml_html.HtmlElement, *tags: str) -> set[str]:
    return {" ".join(h.text_content().split()) for h in tree.iter(*tags)}


def headline_variants(tree: lxml_html.HtmlElement, title: str, meta: PageMeta) -> set[str]:
    """Every spelling of the headline a page shows (lower-cased): to spot it repeated atop the body."""
    node = tree.find(".//title")
    page_title = " ".join(node.text_content().split()) if node is not None else ""
    variants = {
        title,
        page_title,
        *_SEPARATOR.split(page_title),
        *_headings(tree, "h1"),
        meta.get("og:title"),
        meta.get("twitter:title"),
    }
    # A description that is not a sentence is the standfirst shown under the headline; one that
    # ends like a sentence is usually the opening paragraph itself, which must stay.
    variants |= {
        d
        for d in (meta.get("description"), meta.get("og:description"), meta.get("twitter:description"))
        if d and not d.rstrip().endswith((".", "!", "?", "…", '"', "”", "’", "'", ")", ",", ";"))
    }
    return {v.lower() for v in variants if v and 2 <= len(v.split()) <= 40}


def _ld_title(ld: dict, tree: lxml_html.HtmlElement) -> str:
    """JSON-LD headline or name; when both differ, the one closer to the page's <title>."""
    if not _types(ld) & _ARTICLE_TYPES:
        return ""
    name, headline = _ld_text(ld.get("name")), _ld_text(ld.get("headline"))
    if name and headline and name != headline:
        page_title = document_title(tree)
        if _text_similarity(headline, page_title) > 0.75 >= _text_similarity(name, page_title):
            return headline
        return name
    return name or headline


def find_title(tree: lxml_html.HtmlElement, ld: dict, meta: PageMeta | None = None) -> str:
    """Headline: JSON-LD, then Dublin Core, Open Graph, Twitter and Parse.ly tags, then the <title>."""
    meta = meta or read_meta(tree)
    title = (
        _ld_title(ld, tree)
        or meta.get(
            "dc:title",
            "dcterm:title",
            "og:title",
            "weibo:article:title",
            "weibo:webpage:title",
            "title",
            "twitter:title",
            "parsely-title",
        )
        or document_title(tree)
    )
    return " ".join(title.split())


def clean_byline(text: str) -> str:
    """A byline's names: no "By" prefix, no trailing date, time or "Updated ..." note; no URLs."""
    text = " ".join(text.split())
    if text.startswith(("http://", "https://", "@")):
        return ""
    if _NOT_A_NAME.search(text):
        return ""  # an account or navigation box whose class happens to say "author"
    text = _BYLINE_TAIL.sub("", _BY_PREFIX.sub("", text))
    return text.strip(" ,|-–—•·:") if re.search(r"[^\W\d_]", text) else ""


def _byline_from_markup(tree: lxml_html.HtmlElement) -> str:
    """The first visible byline element in reading order.

    Navigation, comments and asides are never searched. Headers are skipped on a first pass (the
    site's header holds login boxes and the like); only when that finds nothing does a second pass
    look inside them, since many pages put the byline in the article's own header."""
    body = tree.find("body")
    root = body if body is not None else tree
    return _walk_for_byline(root, skip_headers=True) or _walk_for_byline(root, skip_headers=False)


def _walk_for_byline(root: lxml_html.HtmlElement, skip_headers: bool) -> str:
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS or _hidden(node):
            continue
        hint = f"{node.get('class') or ''} {node.get('id') or ''}"
        if (
            (node.get("rel") or "").lower() == "author"
            or "author" in (node.get("itemprop") or "").lower()
            or _BYLINE_HINT.search(hint)
        ):
            text = " ".join(node.text_content().split())
            if 0 < len(text) < 100:
                named = node.xpath(".//*[contains(@itemprop,'name')]")
                byline = clean_byline(named[0].text_content() if named else text)
                if byline:
                    return byline
                continue
        if node.tag not in ("body", "a") and (
            ((_UNLIKELY.search(hint) or (skip_headers and _HEADER.search(hint))) and not _MAYBE.search(hint))
            or (node.get("role") or "").lower() in _UNLIKELY_ROLES
        ):
            continue
        stack.extend(reversed(node))
    return ""


def _hidden(node: lxml_html.HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    return (
        "display:none" in style
        or "visibility:hidden" in style
        or node.get("hidden") is not None
        or (node.get("aria-hidden") == "true" and "fallback-image" not in (node.get("class") or ""))
    )


def find_byline(tree: lxml_html.HtmlElement, ld: dict, meta: PageMeta | None = None) -> str:
    """Author names from JSON-LD, meta tags, then the first byline element of the page."""
    names = [clean_byline(_ld_text(n)) for n in _names(ld.get("author"))]
    if any(names):
        return ", ".join(dict.fromkeys(n for n in names if n))
    meta = meta or read_meta(tree)
    for value in (
        meta.get("dc:creator", "dcterm:creator", "author", "parsely-author"),
        meta.get("article:author", "og:article:author"),
        meta.get("sailthru:author"),
    ):
        byline = clean_byline(value)
        if byline:
            return byline
    return _byline_from_markup(tree)


def find_published(tree: lxml_html.HtmlElement, ld: dict, meta: PageMeta | None = None) -> datetime | None:
    """Publication time from JSON-LD, explicit meta tags, then a dated <time> element."""
    meta = meta or read_meta(tree)
    for value in (
        str(ld.get("datePublished") or ""),
        meta.get(
            "article:published_time",
            "og:article:published_time",
            "parsely-pub-date",
            "datepublished",
            "pubdate",
            "publishdate",
            "dc:date:issued",
            "dcterms:issued",
            "dc:date",
            "date",
            "sailthru:date",
        ),
    ):
        parsed = parse_date(value)
        if parsed:
            return parsed
    nodes = tree.xpath("//time[@datetime][contains(@itemprop,'datePublished') or @pubdate]") or tree.xpath(
        "//time[@datetime]"
    )
    for node in nodes:
        parsed = parse_date(node.get("datetime"))
        if parsed:
            return parsed
    return None


def find_language(tree: lxml_html.HtmlElement, meta: PageMeta | None = None) -> str:
    """Page language as a short code ("en", "de")."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang:
        meta = meta or read_meta(tree)
        lang = meta.get("og:locale", "content-language", "language", "dc:language")
    if not lang:
        for node in tree.iter("meta"):
            if (node.get("http-equiv") or "").lower() == "content-language":
                lang = node.get("content") or ""
                break
    return lang.replace("_", "-").split("-")[0].strip().lower()[:8]


def find_site_name(tree: lxml_html.HtmlElement, ld: dict, meta: PageMeta | None = None) -> str:
    """Publisher name."""
    meta = meta or read_meta(tree)
    names = _names(ld.get("publisher"))
    return meta.get("og:site_name", "application-name", "publisher") or (_ld_text(names[0]) if names else "")


def find_image(tree: lxml_html.HtmlElement, ld: dict, url: str, meta: PageMeta | None = None) -> str:
    """Lead image URL, absolute."""
    meta = meta or read_meta(tree)
    image = meta.get("og:image", "og:image:url", "twitter:image", "twitter:image:src")
    if not image:
        ld_image = ld.get("image")
        if isinstance(ld_image, list) and ld_image:
            ld_image = ld_image[0]
        if isinstance(ld_image, dict):
            ld_image = ld_image.get("url", "")
        image = ld_image if isinstance(ld_image, str) else ""
    if not image:  # no stated lead image: the page's first figure
        image = next((src for src in tree.xpath("//figure//img/@src") if not src.startswith("data:")), "")
    return safe_url(image, url) if image else ""  # only an absolute http(s) image is any use (URL policy)


def find_image_alt(tree: lxml_html.HtmlElement, image: str, url: str, meta: PageMeta | None = None) -> str:
    """What the lead image shows, in the page's words: its stated alt text, the alt of the <img> that
    shows it, else that image's caption ("" when the page says nothing)."""
    meta = meta or read_meta(tree)
    stated = meta.get("og:image:alt", "twitter:image:alt")
    if stated or not image:
        return stated[:300]
    for node in tree.xpath("//img[@src or @data-src]"):
        if safe_url(node.get("data-src") or node.get("src") or "", url) != image:
            continue
        if (node.get("alt") or "").strip():
            return " ".join(node.get("alt").split())[:300]
        figure = next(iter(node.xpath("ancestor::figure[1]//figcaption")), None)
        return " ".join(figure.text_content().split())[:300] if figure is not None else ""
    return ""


def find_canonical(tree: lxml_html.HtmlElement, url: str, meta: PageMeta | None = None) -> str:
    """The page's own canonical URL when it states one (and the URL policy accepts it)."""
    for node in tree.xpath("//link[@rel='canonical'][@href]"):
        return safe_url(node.get("href"), url)
    return safe_url((meta or read_meta(tree)).get("og:url"), url)
