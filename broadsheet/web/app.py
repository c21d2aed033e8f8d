"""The web application: FastAPI routes rendering Jinja2 templates, reading through the store."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from broadsheet import __version__
from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, NotFound
from broadsheet.ingest.feeds import export_opml
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web.timefmt import absolute_time, iso_time, relative_time

HERE = Path(__file__).parent


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(relative=relative_time, absolute=absolute_time, iso=iso_time,
                                 host=lambda url: urlsplit(url or "").netloc)
    templates.env.globals["version"] = __version__
    return templates


def _page_number(raw: str | None) -> int:
    """Page from the query string; bad values fall back to the first page."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def create_app(engine: Engine, config: Config) -> FastAPI:
    """Build the site for one database."""
    app = FastAPI(title="Broadsheet", version=__version__, docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    templates = _templates()
    page_size = config.page_size

    def render(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.exception_handler(BroadsheetError)
    async def on_error(request: Request, exc: BroadsheetError) -> HTMLResponse:
        message = "That page does not exist." if isinstance(exc, NotFound) else str(exc)
        return render(request, "error.html", status=exc.status, title="Not found" if exc.status == 404 else "Error",
                      message=message)

    @app.get("/", response_class=HTMLResponse)
    def front(request: Request, page: str | None = None) -> HTMLResponse:
        number = _page_number(page)
        total = article_store.count_articles(engine)
        items = article_store.latest_articles(engine, limit=page_size, offset=(number - 1) * page_size)
        if not items and number > 1:
            raise NotFound(f"web: page {number} is past the end")
        return render(request, "front.html", articles=items, page=number,
                      has_next=number * page_size < total, total=total)

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article(request: Request, article_id: str) -> HTMLResponse:
        item = article_store.get_article(engine, article_id)
        if item.status != "ok":
            raise NotFound(f"web: article {article_id} is not readable yet")
        more = [a for a in article_store.latest_articles(engine, limit=6, source_id=item.source_id)
                if a.id != item.id][:5] if item.source_id is not None else []
        return render(request, "article.html", article=item, more=more)

    @app.get("/sources", response_class=HTMLResponse)
    def sources(request: Request) -> HTMLResponse:
        return render(request, "sources.html", sources=source_store.list_sources(engine))

    @app.get("/sources.opml")
    def sources_opml() -> Response:
        return Response(export_opml(source_store.list_sources(engine)), media_type="text/x-opml; charset=utf-8")

    @app.get("/sources/{source_id}", response_class=HTMLResponse)
    def source(request: Request, source_id: int, page: str | None = None) -> HTMLResponse:
        item = source_store.get_source(engine, source_id)
        number = _page_number(page)
        items = article_store.latest_articles(engine, limit=page_size, offset=(number - 1) * page_size,
                                              source_id=source_id)
        failing = article_store.failing_articles(engine, source_id)
        return render(request, "source.html", source=item, articles=items, page=number, failing=failing,
                      has_next=number * page_size < item.article_count)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    @app.get("/robots.txt", response_class=PlainTextResponse)
    def robots() -> str:
        return "User-agent: *\nAllow: /\n"

    return app
