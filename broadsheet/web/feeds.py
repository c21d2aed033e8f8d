"""Feeds out, in the format the path asks for: `feed.atom` (web/atom.py) or `feed.json`
(web/jsonfeed.py), each with the time of its newest article as Last-Modified."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from broadsheet.model import Article
from broadsheet.text.sanitize import xml_text
from broadsheet.web.atom import ATOM_TYPE, atom_feed, newest_time
from broadsheet.web.edge import last_modified
from broadsheet.web.jsonfeed import JSON_FEED_TYPE, json_feed
from broadsheet.web.security import site_base


def feed_response(request: Request, title: str, articles: list[Article], site_path: str) -> Response:
    """The feed of a page of the site, served with its own URL as id and self link: JSON Feed when the
    path ends in `.json`, Atom otherwise. Links are built from the configured public URL (or a trusted
    host), never from the Host header a client sent: the page cache would otherwise serve one client's
    forged host to every reader."""
    base = site_base(request.app.state.config, request.scope)
    query = request.scope.get("query_string", b"").decode("latin-1")
    self_url = xml_text(base + request.url.path + (f"?{query}" if query else ""))
    if request.url.path.endswith(".json"):
        body, media = json_feed(title, self_url, base + site_path, articles, base), JSON_FEED_TYPE
    else:
        body, media = atom_feed(title, self_url, base + site_path, articles, base), ATOM_TYPE
    # ConditionalGet (web/edge.py) answers If-Modified-Since from the newest article's time
    return last_modified(Response(body, media_type=f"{media}; charset=utf-8"), newest_time(articles))
