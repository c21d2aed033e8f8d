"""What the site's page routes share, handed to them through FastAPI's `Depends` (`site_of`) from
`app.state`, so routers are plain module-level objects rather than closures over a factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import numpy as np
from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from broadsheet.config import Config

T = TypeVar("T")


@dataclass(frozen=True)
class Site:
    """One site's database, settings, templates and the helpers its pages use."""

    engine: Engine
    config: Config
    templates: Jinja2Templates
    comments: Callable[..., object]  # the comment section under an article or story (web/comments.py)
    embed: Callable[[str], np.ndarray] | None  # questions in search are also matched by meaning

    def render(self, request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
        """A page from its template."""
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    @property
    def reads_locally(self) -> bool:
        """Nothing a page reads waits on a network: the embedded database and no language model."""
        return self.engine.dialect.name == "sqlite" and not self.config.llm_url

    async def page(self, build: Callable[[], T], waits: bool = False) -> T:
        """Run a page's reads and rendering (`build`, a plain function). When they only read the
        embedded database (`reads_locally`) and the page does nothing that waits (`waits`: a
        question answered now), in the event loop's own thread: the hop to a worker thread and back
        cost 0.2 to 0.3 ms of CPU here, a tenth of an uncached article page, and under the GIL the worker
        renders no faster than the loop would. Otherwise in a worker thread, as FastAPI runs a
        plain route, so the loop never waits on PostgreSQL or a model and serves the others."""
        if self.reads_locally and not waits:
            return build()
        return await run_in_threadpool(build)


async def site_of(request: Request) -> Site:
    """The site a request is for (a dependency: `site: Site = Depends(site_of)`). Async because it
    only reads an attribute: FastAPI runs a plain `def` dependency in a worker thread, one thread hop
    per request for nothing."""
    return request.app.state.site


# An article or story id in a page's path: what the store can hold (32 characters, no control
# characters: PostgreSQL refuses a NUL outright). Anything else names no page: 404 (web/edge.py).
ItemId = Annotated[str, Path(max_length=32, pattern=r"^[^\x00-\x1f]+$")]
