"""The web application: FastAPI routes rendering Jinja2 templates, reading through the store."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, text

from broadsheet import __version__
from broadsheet.api import routes as api_routes
from broadsheet.api.routes import api_error, api_openapi
from broadsheet.config import Config
from broadsheet.context import Context, current, install
from broadsheet.errors import BroadsheetError, NotFound
from broadsheet.nlp.embed import model_state, query_encoder
from broadsheet.store import generations
from broadsheet.store import users as user_store
from broadsheet.web import articles, coverage, head, metrics, pictures, search, sources
from broadsheet.web.accounts import SESSION_COOKIE, Accounts, SessionMiddleware, accounts_router
from broadsheet.web.ai import ai_router
from broadsheet.web.apikeys import apikeys_router
from broadsheet.web.cache import PageCache, SharedGeneration
from broadsheet.web.comments import comments_router, section_renderer
from broadsheet.web.edge import MACHINE_PATHS, AccessLog, ConditionalGet, HeadAsGet, install_error_handlers
from broadsheet.web.fever import fever_router
from broadsheet.web.following import following_router
from broadsheet.web.greader import DoubleSlash, ReaderApi, greader_router
from broadsheet.web.metrics import CountPages, metrics_of
from broadsheet.web.reader_digests import reader_digests_router
from broadsheet.web.readerapps import readerapps_router
from broadsheet.web.saved import saved_router
from broadsheet.web.security import SecurityHeaders, install_filters
from broadsheet.web.site import Site, site_of
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
    templates.env.auto_reload = False  # templates change with a release, not while it runs: no stat per render
    templates.env.filters.update(
        relative=relative_time,
        absolute=absolute_time,
        iso=iso_time,
        day=day_date,
        host=lambda url: urlsplit(url or "").netloc,
    )
    templates.env.globals["version"] = __version__
    install_filters(templates.env)  # only http(s) links are ever rendered, whatever a row holds
    templates.env.getattr = functools.partial(_dict_first_getattr, templates.env.getattr)  # type: ignore[method-assign]
    return templates


_DICT_ATTRIBUTES = frozenset(dir(dict))


def _dict_first_getattr(getattr_: Callable[[object, str], object], obj: object, attribute: str) -> object:
    """`x.name` in a template, looked up as a key first when x is a plain dict (the AI panel and its
    sentences are dicts). Jinja tries the attribute first and catches the AttributeError: 0.7 µs
    against 0.07, a few hundred times per article page. dict's own methods (`.get`, `.items`)
    still resolve to the methods, as in Jinja."""
    if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
        try:
            return obj[attribute]
        except KeyError:
            pass
    return getattr_(obj, attribute)


def health(engine: Engine, config: Config) -> JSONResponse:
    """What a monitor needs: the database answers (503 when it does not), the version, the models."""
    body: dict[str, object] = {
        "status": "ok",
        "version": __version__,
        "embeddings": model_state(config.embeddings),
        "database": engine.dialect.name,
    }
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach it is the answer, not an error of this page
        log.warning("healthz: the database does not answer: %s", exc)
        return JSONResponse({**body, "status": "error", "database": f"{engine.dialect.name}: unreachable"}, 503)
    return JSONResponse(body)


def create_app(
    engine: Engine, config: Config, on_new_entries: Callable[[], None] | None = None, context: Context | None = None
) -> FastAPI:
    """Build the site for one database; `on_new_entries` is called when a hub pushes news.

    The process's context (models, caches, the work queue) is the one given, else one made now."""
    context = install(context or current().derive(config, engine))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
        yield
        await asyncio.to_thread(context.close)  # finish queued work, stop the context's threads

    app = FastAPI(
        title="Broadsheet",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        description="The JSON API of a Broadsheet news desk.",
    )
    app.openapi = api_openapi(app)  # type: ignore[method-assign]  # the document describes the JSON API only
    app.state.config = config  # feeds build absolute links from public_url / trusted_hosts (web/security.py)
    app.state.context = context
    embed = query_encoder(config.embeddings)  # questions in search are also matched by meaning (lazy load)
    templates = _templates()
    pictures.install_pictures(templates.env)  # the <img> attributes of the stored pictures pages pass in
    head.install_head(templates.env, config)
    accounts = Accounts(engine, config)
    site = Site(engine, config, templates, section_renderer(accounts, templates), embed)
    app.state.site = site
    app.state.engine, app.state.embed = engine, embed  # what the JSON API's routes depend on
    _include_routers(app, site, accounts, on_new_entries)
    _add_middleware(app, engine, config, accounts)
    return app


def _include_routers(app: FastAPI, site: Site, accounts: Accounts, on_new_entries: Callable[[], None] | None) -> None:
    engine, config, render = site.engine, site.config, site.render
    # Only the JSON API is in the OpenAPI document: pages, forms, feeds and callbacks are not for
    # generated clients (include_in_schema=False on every router but the API's).
    # The pages readers open most come first: routes are tried in order (about a hundred), and no
    # other route's path overlaps theirs (tests/test_web.py keeps it so). Coverage before articles:
    # its story page (coverage, AI panel, comments) is the one readers get.
    for router in (coverage.router, articles.router, search.router):
        app.include_router(router, include_in_schema=False)
    app.include_router(websub_router(engine, on_new_entries), include_in_schema=False)
    app.include_router(api_routes.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(accounts_router(accounts, site.templates), include_in_schema=False)
    app.include_router(comments_router(accounts, site.templates), include_in_schema=False)
    app.include_router(apikeys_router(accounts, site.templates), include_in_schema=False)
    app.include_router(saved_router(accounts, site.templates), include_in_schema=False)
    app.include_router(readerapps_router(accounts, site.templates), include_in_schema=False)
    # Reader apps: the token secret is made (or read) now, at start-up, so no API read writes.
    reader_api = ReaderApi(engine, user_store.site_secret(engine, "reader-api"))
    app.include_router(greader_router(reader_api), include_in_schema=False)
    app.include_router(fever_router(engine), include_in_schema=False)
    app.include_router(following_router(accounts, site.templates), include_in_schema=False)  # follows, mutes, For you
    # private digest feeds, the unsubscribe link
    app.include_router(reader_digests_router(accounts, site.templates), include_in_schema=False)
    app.include_router(ai_router(engine, config, render), include_in_schema=False)
    routers = (sources.router, metrics.router, pictures.router, head.router)
    for router in (*routers, operations):
        app.include_router(router, include_in_schema=False)
    _install_errors(app, render)


def _install_errors(app: FastAPI, render: Callable[..., HTMLResponse]) -> None:
    """Errors as pages for readers and as problem details for machines."""
    install_error_handlers(app, render)  # validation and HTTP errors in the project's shape, HTML or JSON

    @app.exception_handler(BroadsheetError)
    async def on_error(request: Request, exc: BroadsheetError) -> Response:
        if request.url.path.startswith(MACHINE_PATHS):
            return api_error(exc.status, str(exc))
        message = "That page does not exist." if isinstance(exc, NotFound) else str(exc)
        return render(
            request,
            "error.html",
            status=exc.status,
            title="Not found" if exc.status == 404 else "Error",
            message=message,
        )


def _add_middleware(app: FastAPI, engine: Engine, config: Config, accounts: Accounts) -> None:
    """Each added one wraps the ones before it: the last is the outermost."""
    app.add_middleware(SessionMiddleware, accounts=accounts)
    # Anonymous readers of the same page within a few seconds share one rendering. Every web
    # process of the site (and the pipeline) shares one generation counter in the database.
    shared = SharedGeneration(lambda: generations.read(engine), lambda: generations.bump(engine))
    app.add_middleware(
        PageCache,
        ttl=config.page_cache_seconds,
        session_cookies=(SESSION_COOKIE,),
        longer={"/articles/": config.article_cache_seconds},
        shared=shared,
    )
    app.add_middleware(SecurityHeaders)  # cached pages and errors carry the headers too
    # ETag, Last-Modified and 304 on whatever succeeds and sets no cookie; Cache-Control on all of it
    app.add_middleware(ConditionalGet, max_age=config.page_cache_seconds, session_cookie=SESSION_COOKIE)
    app.add_middleware(HeadAsGet)  # HEAD wherever GET is, through the cache and the headers
    app.add_middleware(DoubleSlash)  # reader apps given the site's address with a trailing slash
    app.add_middleware(CountPages, metrics=metrics_of(app.state.context))  # /metrics: pages served
    if config.access_log:
        app.add_middleware(AccessLog)  # outermost: the time and status a client saw


operations = APIRouter()


@operations.get("/healthz")
def healthz(site: Site = Depends(site_of)) -> JSONResponse:
    return health(site.engine, site.config)


@operations.get("/robots.txt", response_class=PlainTextResponse)
def robots() -> str:
    return "User-agent: *\nAllow: /\n"


@operations.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request, site: Site = Depends(site_of)) -> HTMLResponse:
    return site.render(request, "api_docs.html", spec=request.app.openapi())
