"""The web application: FastAPI routes rendering Jinja2 templates, reading through the store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode, urlsplit

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, text

from broadsheet import __version__
from broadsheet.api.params import MAX_ID
from broadsheet.api.params import page_number as _page_number
from broadsheet.api.routes import api_error, api_openapi, api_router
from broadsheet.config import Config
from broadsheet.context import Context, current, install
from broadsheet.errors import BroadsheetError, InputError, NotFound
from broadsheet.ingest.feeds import export_opml
from broadsheet.nlp.embed import model_state, query_encoder
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import articles as article_store
from broadsheet.store import generations
from broadsheet.store import sources as source_store
from broadsheet.store.search import SearchFilters, read_filters, search_articles
from broadsheet.web import stories as story_pages
from broadsheet.web.accounts import SESSION_COOKIE, Accounts, SessionMiddleware, accounts_router
from broadsheet.web.ai import ai_router, article_panel
from broadsheet.web.atom import atom_response
from broadsheet.web.cache import PageCache, SharedGeneration
from broadsheet.web.comments import comments_router, section_renderer
from broadsheet.web.coverage import coverage_router
from broadsheet.web.edge import AccessLog, ConditionalGet, HeadAsGet, install_error_handlers
from broadsheet.web.security import SecurityHeaders, install_filters
from broadsheet.web.timefmt import absolute_time, day_date, iso_time, relative_time
from broadsheet.web.websub import websub_router

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
# Page renders run at once per process (Starlette's thread pool; its default is 40). More threads
# than this do not render faster under the GIL, and each holds a database connection: bounded
# here, below the engine's pool (store/db.py POOL_SIZE), a burst of readers queues for a thread
# instead of timing out on the pool.
WEB_THREADS = 16


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(relative=relative_time, absolute=absolute_time, iso=iso_time, day=day_date,
                                 host=lambda url: urlsplit(url or "").netloc)
    templates.env.globals["version"] = __version__
    install_filters(templates.env)  # only http(s) links are ever rendered, whatever a row holds
    return templates




def _feed_query(q: str, filters: SearchFilters, since: str | None) -> str:
    """The query string of the Atom feed of a filtered search."""
    params = {"q": q, "source": filters.source_id, "section": filters.section, "since": since if filters.since else None}
    return urlencode({k: v for k, v in params.items() if v})


def health(engine: Engine, config: Config) -> JSONResponse:
    """What a monitor needs: the database answers (503 when it does not), the version, the models."""
    body: dict[str, object] = {"status": "ok", "version": __version__, "embeddings": model_state(config.embeddings),
                               "database": engine.dialect.name}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach it is the answer, not an error of this page
        log.warning("healthz: the database does not answer: %s", exc)
        return JSONResponse({**body, "status": "error", "database": f"{engine.dialect.name}: unreachable"}, 503)
    return JSONResponse(body)


def create_app(engine: Engine, config: Config, on_new_entries: Callable[[], None] | None = None,
               context: Context | None = None) -> FastAPI:
    """Build the site for one database; `on_new_entries` is called when a hub pushes news.

    The process's context (models, caches, the work queue) is the one given, else one made now."""
    context = install(context or current().derive(config, engine))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
        yield
        await asyncio.to_thread(context.close)  # finish queued work, stop the context's threads

    app = FastAPI(title="Broadsheet", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  openapi_url="/api/openapi.json", description="The JSON API of a Broadsheet news desk.")
    app.openapi = api_openapi(app)  # the document describes the JSON API only
    app.state.config = config  # feeds build absolute links from public_url / trusted_hosts (web/security.py)
    app.state.context = context
    app.include_router(websub_router(engine, on_new_entries))
    embed = query_encoder(config.embeddings)  # questions in search are also matched by meaning (lazy load)
    app.include_router(api_router(engine, embed))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    templates = _templates()
    accounts = Accounts(engine, config)
    app.add_middleware(SessionMiddleware, accounts=accounts)
    app.include_router(accounts_router(accounts, templates))
    app.include_router(comments_router(accounts, templates))
    comments_section = section_renderer(accounts, templates)
    page_size = config.page_size

    def render(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    # Coverage first: its story page (coverage, AI panel, comments) is the one readers get.
    app.include_router(coverage_router(engine, config, render, comments_section, _page_number))
    app.include_router(ai_router(engine, config, render))

    install_error_handlers(app, render)  # validation and HTTP errors in the project's shape, HTML or JSON

    @app.exception_handler(BroadsheetError)
    async def on_error(request: Request, exc: BroadsheetError) -> Response:
        if request.url.path.startswith("/api/"):
            return api_error(exc.status, str(exc))
        message = "That page does not exist." if isinstance(exc, NotFound) else str(exc)
        return render(request, "error.html", status=exc.status, title="Not found" if exc.status == 404 else "Error",
                      message=message)

    @app.get("/latest", response_class=HTMLResponse)
    def latest(request: Request, page: str | None = None) -> HTMLResponse:
        number = _page_number(page)
        # One row more than a page tells whether there is a next page, without counting every article.
        items = article_store.latest_articles(engine, limit=page_size + 1, offset=(number - 1) * page_size,
                                              originals_only=True)
        if not items and number > 1:
            raise NotFound(f"web: page {number} is past the end")
        shown = items[:page_size]
        return render(request, "front.html", articles=shown, page=number, sections=SECTIONS, section=None,
                      copies=story_pages.copy_sources(engine, shown), has_next=len(items) > page_size)

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article(request: Request, article_id: str, q: str | None = None, length: str | None = None) -> HTMLResponse:
        # One read for the article and what the pipeline stored beside it; the parts below use it.
        view = article_store.get_article_view(engine, article_id)
        item = view.article
        if item.status != "ok":
            raise NotFound(f"web: article {article_id} is not readable yet")
        return render(request, "article.html", article=item,
                      related=story_pages.related_items(engine, item, kept=(view.related_ids, view.related_at)),
                      also=story_pages.also_published_by(engine, item, view.duplicate_of),
                      comments=comments_section(request, "article", item.id),
                      ai=article_panel(engine, config, item, q, length, view=view))

    @app.get("/sources", response_class=HTMLResponse)
    def sources(request: Request) -> HTMLResponse:
        return render(request, "sources.html", sources=source_store.list_sources(engine))

    @app.get("/sources.opml")
    def sources_opml() -> Response:
        return Response(export_opml(source_store.list_sources(engine)), media_type="text/x-opml; charset=utf-8")

    @app.get("/sources/{source_id}", response_class=HTMLResponse)
    def source(request: Request, source_id: Annotated[int, PathParam(ge=0, le=MAX_ID)], page: str | None = None) -> HTMLResponse:
        item = source_store.get_source(engine, source_id)
        number = _page_number(page)
        items = article_store.latest_articles(engine, limit=page_size, offset=(number - 1) * page_size,
                                              source_id=source_id)
        failing = article_store.failing_articles(engine, source_id)
        return render(request, "source.html", source=item, articles=items, page=number, failing=failing,
                      has_next=number * page_size < item.article_count)


    @app.get("/feed.atom", include_in_schema=False)
    def front_feed(request: Request) -> Response:
        return atom_response(request, "Broadsheet: latest news", article_store.latest_articles(engine, limit=50), "/")

    @app.get("/sources/{source_id}/feed.atom", include_in_schema=False)
    def source_feed(request: Request, source_id: Annotated[int, PathParam(ge=0, le=MAX_ID)]) -> Response:
        item = source_store.get_source(engine, source_id)
        items = article_store.latest_articles(engine, limit=50, source_id=source_id)
        return atom_response(request, f"Broadsheet: {item.title or item.feed_url}", items, f"/sources/{source_id}")

    @app.get("/search.atom", include_in_schema=False)
    def search_feed(request: Request, q: str = "", source: str | None = None, section: str | None = None,
                    since: str | None = None) -> Response:
        hits = search_articles(engine, q, read_filters(engine, source, section, since), limit=50, embed=embed)
        return atom_response(request, f"Broadsheet: search for {q}", [h.article for h in hits], f"/search?q={quote(q)}")

    @app.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, q: str = "", page: str | None = None, source: str | None = None,
                    section: str | None = None, since: str | None = None) -> HTMLResponse:
        number = _page_number(page)
        try:
            filters, error, error_status = read_filters(engine, source, section, since), None, 200
        except InputError as exc:  # the form stays usable, and says which values would work
            filters, error, error_status = SearchFilters(), str(exc), exc.status
        hits = (search_articles(engine, q, filters, limit=page_size + 1, offset=(number - 1) * page_size, embed=embed)
                if q and not error else [])
        since = (since or "").strip().lower() if filters.since else ""
        return render(request, "search.html", status=error_status, q=q, hits=hits[:page_size], page=number,
                      has_next=len(hits) > page_size, sources=source_store.source_choices(engine),
                      source=filters.source_id, sections=SECTIONS, section=filters.section or "", since=since,
                      error=error, feed_query=_feed_query(q, filters, since))

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return render(request, "api_docs.html", spec=app.openapi())

    # Outermost: anonymous readers of the same page within a few seconds share one rendering.
    # Every web process of the site (and the pipeline) shares one generation counter in the database.
    shared = SharedGeneration(lambda: generations.read(engine), lambda: generations.bump(engine))
    app.add_middleware(PageCache, ttl=config.page_cache_seconds, session_cookies=(SESSION_COOKIE,),
                       longer={"/articles/": config.article_cache_seconds}, shared=shared)
    app.add_middleware(SecurityHeaders)  # outermost: cached pages and errors carry the headers too
    app.add_middleware(ConditionalGet)  # ETag and 304 on whatever succeeds and sets no cookie
    app.add_middleware(HeadAsGet)  # HEAD wherever GET is, through the cache and the headers
    if config.access_log:
        app.add_middleware(AccessLog)  # outermost: the time and status a client saw

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return health(engine, config)

    @app.get("/robots.txt", response_class=PlainTextResponse)
    def robots() -> str:
        return "User-agent: *\nAllow: /\n"

    return app
