"""What every page's <head> carries beyond its title: the site's icon and web app manifest (so a
reader can add the desk to a home screen), and a description with Open Graph tags whose links are
absolute, built from `public_url` (web/security.py's site_base), never from a client's Host header."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from jinja2 import Environment

from broadsheet.config import Config
from broadsheet.web.security import site_base

router = APIRouter()
ICONS = [
    {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
    {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
    {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
]


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest() -> JSONResponse:
    """The web app manifest (W3C Web Application Manifest)."""
    body = {
        "name": "Broadsheet",
        "short_name": "Broadsheet",
        "description": "A self-hosted news desk: stories from many publishers, with full coverage.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f1e8",
        "theme_color": "#1f2933",
        "icons": ICONS,
    }
    return JSONResponse(
        body, media_type="application/manifest+json", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    """Browsers that ask for /favicon.ico by habit get the SVG icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


def _absolute(config: Config) -> Any:
    def absolute(request: Request, path: str) -> str:
        """An absolute URL on this site for a site-relative path."""
        return site_base(config, request.scope) + path

    return absolute


def install_head(env: Environment, config: Config) -> None:
    """Give templates `absolute_url(request, path)` for Open Graph links."""
    env.globals["absolute_url"] = _absolute(config)
