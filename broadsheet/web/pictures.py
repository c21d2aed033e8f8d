"""Lead pictures served from the site's own origin (readers never load a publisher's image, so a
publisher cannot follow them around), and the helpers templates call to show them: width-based
srcset, sizes, alt text, lazy loading and width/height against layout shift."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from jinja2 import Environment
from markupsafe import Markup, escape

from broadsheet.errors import NotFound
from broadsheet.store import pictures as store
from broadsheet.store.db import Reader, connected
from broadsheet.web.site import ItemId, Site, site_of

CACHE = "public, max-age=604800"  # a week: a copy never changes once kept (a later one replaces a failure)
CARD_WIDTH = 320  # the copy `src` names: what a card shows at one device pixel per CSS pixel
DEFAULT_SIZES = "(max-width: 40rem) 100vw, 10rem"  # the <img> sizes when a page names none

router = APIRouter()


@router.get("/pictures/{article_id}/{width}", include_in_schema=False)
def picture(article_id: ItemId, width: str, site: Site = Depends(site_of)) -> Response:
    """One resized copy of an article's lead picture."""
    wellformed = width.isdigit() and len(width) < 6
    found = store.picture_file(site.engine, article_id, int(width)) if wellformed else None
    if found is None:
        raise NotFound(f"web: no picture {article_id}/{width}")
    mime, data = found
    return Response(data, media_type=mime, headers={"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff"})


def picture_url(shown: store.Shown, width: int) -> str:
    """The site-relative address of one copy."""
    return f"/pictures/{quote(shown.article_id, safe='')}/{width}"


def _default(shown: store.Shown) -> tuple[int, int]:
    """The copy `src` names: the widest not past CARD_WIDTH (the narrowest when all are)."""
    fitting = [size for size in shown.sizes if size[0] <= CARD_WIDTH]
    return fitting[-1] if fitting else shown.sizes[0]


def picture_tag(shown: store.Shown | None, alt: str | None, sizes: str | None = None, cls: str | None = None) -> Markup:
    """The <img> of a stored picture (nothing without one): the copy that fits a card as `src`, every
    copy in `srcset`, the picture's own alt text else `alt` (the headline), lazy loading and its size
    against layout shift. Built here rather than included as a template: a list page shows dozens,
    and each include costs a template context of its own. Every value is escaped."""
    if not shown:
        return Markup("")
    width, height = _default(shown)
    srcset = ", ".join(f"{picture_url(shown, w)} {w}w" for w, _ in shown.sizes)
    return Markup(
        f'<img class="{escape(cls or "thumb")}" src="{escape(picture_url(shown, width))}" srcset="{escape(srcset)}" '
        f'sizes="{escape(sizes or DEFAULT_SIZES)}" width="{width}" height="{height}" alt="{escape(shown.alt or alt or "")}" '
        'loading="lazy" decoding="async">'
    )


def article_pictures(db: Reader, items: Iterable[Any]) -> dict[str, store.Shown]:
    """The stored pictures of these articles (or ids), keyed by article id; one read."""
    ids = [getattr(item, "id", item) for item in items if item is not None]
    if not ids:
        return {}
    with connected(db) as conn:
        return store.shown(conn, ids)


def story_pictures(db: Reader, story_ids: list[str]) -> dict[str, store.Shown]:
    """The picture that stands for each story, keyed by story id; one read."""
    story_ids = [s for s in story_ids if s]
    if not story_ids:
        return {}
    with connected(db) as conn:
        return store.story_pictures(conn, story_ids)


def install_pictures(env: Environment) -> None:
    """Give templates `picture(shown, alt, sizes, cls)`. The pictures themselves come with each page's
    context, read by its handler on the page's connection: a template never reads the database."""
    env.globals["picture"] = picture_tag
