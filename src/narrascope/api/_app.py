"""The FastAPI application of ``narrascope serve``: the JSON API and the dashboard.

Why these choices:

* **Reads never wait for analysis.** Requests read through one read-only
  :class:`~narrascope.store.Database` (SQLite opened ``mode=ro``; WAL lets it
  read while the worker writes); analysis runs in the job queue's one worker
  (:mod:`narrascope.api._jobs`), a child process that is the only writer.
* **Writes need a token.** ``Authorization: Bearer <token>``, the token from
  ``NARRASCOPE_TOKEN`` or ``--token-file``; with neither, every write is refused
  (403) instead of being open. The dashboard's submit page sends the token the
  user pastes from its script (no cookie is ever set, so a form on another site
  cannot make a browser write: there is nothing ambient to forge a request with).
* **Bounded.** Request bodies over ``max_body`` are refused (413) from their
  ``Content-Length`` or as they stream in; lists are paginated; the queue is
  bounded (503 with the reason when full).
* **Errors are JSON.** Every error of ``/api`` is ``{"error", "status"}``; an
  unexpected one is logged and answered with its type only, never a traceback.
* **No inline script.** The Content-Security-Policy allows scripts and styles
  from this server only (``'self'``); the dashboard's JavaScript is a static file
  of the package, and templates are autoescaped.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from narrascope import __version__
from narrascope.api._analysis import ProcessAnalyser
from narrascope.api._jobs import JobQueue, QueueFull
from narrascope.api._models import (
    Accepted,
    ArticleIn,
    ArticleList,
    ArticlesIn,
    Error,
    Health,
    JobState,
    UrlsIn,
)
from narrascope.api._queries import ArticleFilters, article_page, article_story
from narrascope.api._settings import ServeSettings
from narrascope.store import Database

__all__ = ["CSP", "ServerState", "create_app"]

log = logging.getLogger("narrascope.serve")

#: scripts, styles and images from this server only; nothing inline, no frames, no plugins
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: the upload formats the server reads (suffix → what narrascope.ingest calls it)
UPLOAD_SUFFIXES = (".txt", ".text", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".csv")
#: largest page of a list
MAX_LIMIT = 200
_STATIC = Path(__file__).resolve().parents[1] / "web" / "static"


class ServerState:
    """What the app holds: settings, the read-only database, the job queue."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        if not settings.read_only:
            # create or migrate once, here, so that readers can open it read-only
            Database(settings.db).close()
        self.db = Database(settings.db, must_exist=True, read_only=True)
        self.analyser = ProcessAnalyser(settings, lambda: self.jobs.stopping)
        self.jobs = JobQueue(settings.spool_dir(), self.analyser, max_queued=settings.max_queued)

    def writes(self) -> str:
        """'enabled', or why writes are refused."""
        if self.settings.read_only:
            return "refused: the server was started with --read-only"
        if not self.settings.token:
            return (
                "refused: no write token is configured (set NARRASCOPE_TOKEN or start the"
                " server with --token-file)"
            )
        return "enabled"

    def start(self) -> None:
        if self.settings.worker and not self.settings.read_only:
            self.jobs.start()

    def stop(self) -> None:
        self.jobs.stop()
        self.analyser.close()
        self.db.close()


def create_app(settings: ServeSettings) -> FastAPI:
    """The app for ``settings``; its lifespan starts the worker and stops it on shutdown."""
    state = ServerState(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.start()
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(
        title="narrascope",
        version=__version__,
        description="Narratives, entity framing and persuasion techniques in news, with quotes"
        " as evidence. Writes need `Authorization: Bearer <token>`.",
        docs_url=None,  # Swagger UI loads from a CDN: the document is at /openapi.json
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        responses={
            422: {"model": Error, "description": "A parameter or body is invalid"},
            500: {"model": Error, "description": "Unexpected failure (logged)"},
        },
    )
    app.state.narrascope = state
    _errors(app)
    app.include_router(_api_router(state))
    from narrascope.web._dashboard import dashboard_router

    app.include_router(dashboard_router(state))
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.add_middleware(_SecurityHeaders)
    app.add_middleware(_BodyLimit, limit=settings.max_body + 64_000)  # multipart overhead
    return app


# ------------------------------------------------------------------ errors
def error_response(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": reason, "status": status}, status_code=status, headers=headers)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api") or path == "/openapi.json" or path.startswith("/static"))


def _errors(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        reason = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and reason == "Not Found":
            reason = f"no such page or endpoint: {request.url.path}"
        if exc.status_code == 405:
            reason = f"{request.method} is not allowed on {request.url.path}"
        if _wants_html(request):
            from narrascope.web._dashboard import error_page

            return error_page(request, exc.status_code, reason)
        return error_response(exc.status_code, reason, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        reason = "; ".join(_validation_reason(e) for e in exc.errors()[:5]) or "invalid request"
        if _wants_html(request):
            from narrascope.web._dashboard import error_page

            return error_page(request, 422, reason)
        return error_response(422, reason)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error ({type(exc).__name__}); see the server log")


def _validation_reason(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    where = loc[0] if loc else "request"
    name = ".".join(loc[1:])
    place = {"query": "query parameter", "path": "path parameter", "body": "body field"}.get(
        where, where
    )
    return f"{place} {name!r}: {error.get('msg', 'invalid')}" if name else error.get("msg", "")


# -------------------------------------------------------------- middleware
class _TooLarge(Exception):
    pass


class _BodyLimit:
    """Refuse request bodies over ``limit`` bytes: by Content-Length, or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reason = f"the request body is larger than the server accepts ({self.limit} bytes)"
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await error_response(413, reason)(scope, receive, send)
                    return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await error_response(413, reason)(scope, receive, send)


class _SecurityHeaders:
    """CSP and friends on every answer (JSON included: a browser may be pointed at it)."""

    HEADERS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in self.HEADERS}
                ]
                message["headers"] = headers + list(self.HEADERS)
            await send(message)

        await self.app(scope, receive, with_headers)


# ------------------------------------------------------------------- auth
def require_writer(state: ServerState, request: Request) -> None:
    """Refuse a write unless writes are enabled and the bearer token matches."""
    writes = state.writes()
    if writes != "enabled":
        raise HTTPException(403, f"writes are {writes}")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HTTPException(
            401,
            "this endpoint needs an Authorization: Bearer <token> header",
            headers={"WWW-Authenticate": "Bearer"},
        )
    assert state.settings.token is not None
    if not hmac.compare_digest(given.strip().encode(), state.settings.token.encode()):
        raise HTTPException(401, "wrong token", headers={"WWW-Authenticate": "Bearer"})


# ---------------------------------------------------------------- helpers
def check_date(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{name} {value!r}: expected a date as YYYY-MM-DD") from None
    return value


def load_article(state: ServerState, article_id: str) -> Any:
    """The stored document by id or unique id prefix; 404 / 409 with the reason otherwise."""
    if not article_id or len(article_id) > 200:
        raise HTTPException(404, "no article with that id")
    doc = state.db.load_document(article_id)
    if doc is None:
        rows = state.db.list_articles(prefix=article_id, limit=2)
        if len(rows) == 1:
            doc = state.db.load_document(rows[0].id)
        elif len(rows) > 1:
            raise HTTPException(409, f"id prefix {article_id!r} is ambiguous: give more characters")
    if doc is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    return doc


def article_json(state: ServerState, doc: Any) -> dict[str, Any]:
    """Everything the pipeline found, with offsets and quotes (``show --json``'s shape),
    plus the story the article belongs to."""
    from narrascope.techniques import named_techniques

    data = named_techniques(doc.to_dict())
    data["word_count"] = doc.word_count
    data["story"] = article_story(state.db, doc.id)
    return data


def _filters(
    q: str | None,
    outlet: str | None,
    narrative: str | None,
    technique: str | None,
    entity: str | None,
    since: str | None,
    until: str | None,
    language: str | None = None,
) -> ArticleFilters:
    return ArticleFilters(
        q=q,
        outlet=outlet,
        narrative=narrative,
        technique=technique,
        entity=entity,
        since=check_date("since", since),
        until=check_date("until", until),
        language=language,
    )


def _trends(name: str) -> Any:
    """A function of ``narrascope.trends`` (issue 17); 501 with the reason when absent."""
    try:
        import narrascope.trends as trends
    except ImportError as exc:
        raise HTTPException(
            501, f"trends are not available in this narrascope ({exc}); see issue 17"
        ) from exc
    func = getattr(trends, name, None)
    if func is None:
        raise HTTPException(501, f"narrascope.trends has no {name}(); see issue 17")
    return func


_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "Not found"},
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "Missing or wrong bearer token"},
    403: {"model": Error, "description": "Writes are disabled on this server"},
    413: {"model": Error, "description": "The body is too large"},
    415: {"model": Error, "description": "Neither JSON nor multipart/form-data"},
    503: {"model": Error, "description": "The analysis queue is full or the server stops"},
}

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]
DateQ = Annotated[str | None, Query(description="YYYY-MM-DD (inclusive)", max_length=10)]
TextQ = Annotated[str | None, Query(max_length=500)]


# -------------------------------------------------------------------- API
def _api_router(state: ServerState) -> APIRouter:
    api = APIRouter(prefix="/api", responses=_ERRORS)

    @api.get("/health", response_model=Health, tags=["server"])
    def health() -> dict[str, Any]:
        """Whether the server and its database answer; the queue's state."""
        return {
            "status": "ok",
            "version": __version__,
            "database": state.db.display,
            "schema_version": state.db.schema_version(),
            "articles": state.db.count(),
            "read_only": state.settings.read_only,
            "writes": state.writes(),
            "queue": state.jobs.counts(),
        }

    @api.get("/articles", response_model=ArticleList, tags=["articles"])
    def articles(
        q: Annotated[str | None, Query(max_length=500, description="full-text query")] = None,
        outlet: TextQ = None,
        narrative: Annotated[
            str | None, Query(max_length=500, description="(sub-)narrative label containing this")
        ] = None,
        technique: Annotated[
            str | None, Query(max_length=200, description="technique code, e.g. Loaded_Language")
        ] = None,
        entity: Annotated[
            str | None, Query(max_length=500, description="entity id, name or alias")
        ] = None,
        since: DateQ = None,
        until: DateQ = None,
        language: Annotated[str | None, Query(max_length=20)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Stored articles matching every filter, newest first, a page at a time."""
        filters = _filters(q, outlet, narrative, technique, entity, since, until, language)
        return article_page(state.db, filters, limit=limit, offset=offset)

    @api.get("/articles/{article_id}", tags=["articles"])
    def article(article_id: str) -> dict[str, Any]:
        """One article with everything found in it: narratives with evidence, entities,
        framings with quotes, technique spans (offsets index ``text``), its story."""
        return article_json(state, load_article(state, article_id))

    @api.post(
        "/articles",
        status_code=202,
        response_model=Accepted,
        responses=_WRITE_ERRORS,
        tags=["articles"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                ArticleIn.model_json_schema(),
                                {
                                    "type": "object",
                                    "properties": {
                                        "articles": {
                                            "type": "array",
                                            "items": ArticleIn.model_json_schema(),
                                            "minItems": 1,
                                            "maxItems": 100,
                                        }
                                    },
                                    "required": ["articles"],
                                    "additionalProperties": False,
                                },
                                UrlsIn.model_json_schema(),
                            ]
                        }
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "file": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                },
                                "outlet": {"type": "string"},
                            },
                            "required": ["file"],
                        }
                    },
                },
            }
        },
    )
    async def submit(request: Request, response: Response) -> dict[str, Any]:
        """Queue articles for analysis: one article (JSON), several (``{"articles": [...]}``),
        web pages to fetch (``{"url": ...}`` or ``{"urls": [...]}``), or uploaded files
        (multipart, field ``file``). Answers 202 with the job to poll."""
        require_writer(state, request)
        kind, items = await _read_submission(state, request)
        try:
            job = state.jobs.submit(kind, items, job_id=items_job_id(items))
        except QueueFull as exc:
            for item in items:
                if isinstance(item, dict) and item.get("path"):
                    (state.settings.spool_dir() / item["path"]).unlink(missing_ok=True)
            raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from exc
        response.headers["Location"] = f"/api/jobs/{job.id}"
        return {"job": job.id, "state": job.state, "url": f"/api/jobs/{job.id}"}

    @api.get("/jobs/{job_id}", response_model=JobState, tags=["articles"])
    def job(job_id: str) -> dict[str, Any]:
        """A job's state (queued, running, done, failed), progress and stored articles."""
        found = state.jobs.get(job_id)
        if found is None:
            raise HTTPException(404, f"no job with id {job_id!r}")
        return found

    @api.get("/stories", tags=["stories"])
    def stories(
        since: DateQ = None,
        until: DateQ = None,
        outlet: TextQ = None,
        min_outlets: Annotated[int, Query(ge=0, le=1000)] = 0,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Stories (the same event across outlets), newest first: ``stories --json`` items."""
        from narrascope.cli._stories import story_page

        items, total = story_page(
            state.db,
            since=check_date("since", since),
            until=check_date("until", until),
            outlet=outlet or None,
            min_outlets=min_outlets,
            limit=limit,
            offset=offset,
        )
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    @api.get("/stories/{story_id}", tags=["stories"])
    def story(story_id: int) -> dict[str, Any]:
        """One story as ``story ID --json``: outlets side by side, entities, claims, timeline."""
        from narrascope.cli._stories import story_detail

        found = story_detail(state.db, story_id)
        if found is None:
            raise HTTPException(404, f"no story with id {story_id}")
        return found

    @api.get("/outlets", tags=["corpus"], responses={501: {"model": Error}})
    def outlets() -> Any:
        """Every outlet with its figures (``narrascope.trends.outlet_list``)."""
        return _trends("outlet_list")(state.db)

    @api.get("/outlets/{name:path}", tags=["corpus"], responses={501: {"model": Error}})
    def outlet(name: str) -> Any:
        """One outlet's profile (``narrascope.trends.outlet_profile``)."""
        found = _trends("outlet_profile")(state.db, name)
        if found is None:
            raise HTTPException(404, f"no outlet named {name!r}")
        return found

    @api.get("/entities/{entity_id:path}", tags=["corpus"], responses={501: {"model": Error}})
    def entity(entity_id: str) -> Any:
        """How outlets cast one entity (id, name or alias; ``trends.entity_profile``)."""
        found = _trends("entity_profile")(state.db, entity_id)
        if found is None:
            raise HTTPException(404, f"no entity {entity_id!r}")
        return found

    @api.get("/trends", tags=["corpus"], responses={501: {"model": Error}})
    def trends(
        by: Annotated[str, Query(max_length=20, description="narrative, technique, entity …")] = (
            "narrative"
        ),
        interval: Annotated[str, Query(max_length=10, description="day, week or month")] = "week",
        outlet: TextQ = None,
        group: TextQ = None,
        since: DateQ = None,
        until: DateQ = None,
    ) -> Any:
        """Counts over time (``narrascope.trends.trend_series``)."""
        func = _trends("trend_series")
        try:
            return func(
                state.db,
                by,
                interval,
                outlet=outlet or None,
                group=group or None,
                since=check_date("since", since),
                until=check_date("until", until),
            )
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc

    @api.get("/export.jsonl", tags=["export"])
    def export_jsonl(
        q: TextQ = None,
        outlet: TextQ = None,
        narrative: TextQ = None,
        technique: TextQ = None,
        entity: TextQ = None,
        since: DateQ = None,
        until: DateQ = None,
    ) -> StreamingResponse:
        """Every matching document as JSON lines (``export --format jsonl``'s lines)."""
        filters = _filters(q, outlet, narrative, technique, entity, since, until)
        return StreamingResponse(
            _jsonl(state, filters),
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="narrascope-articles.jsonl"'},
        )

    @api.get("/export.csv", tags=["export"])
    def export_csv(
        q: TextQ = None,
        outlet: TextQ = None,
        narrative: TextQ = None,
        technique: TextQ = None,
        entity: TextQ = None,
        since: DateQ = None,
        until: DateQ = None,
    ) -> StreamingResponse:
        """The matching articles as CSV rows (cells that a spreadsheet would run are
        defused, as in ``export --format csv``)."""
        filters = _filters(q, outlet, narrative, technique, entity, since, until)
        return StreamingResponse(
            _csv(state, filters),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="narrascope-articles.csv"'},
        )

    return api


def items_job_id(_items: list[Any]) -> str | None:
    """Uploaded files are saved under their job's id before the job is submitted."""
    for item in _items:
        if isinstance(item, dict) and item.get("job"):
            return str(item["job"])
    return None


_PAGE = 200


def _pages(state: ServerState, filters: ArticleFilters) -> Iterator[list[dict[str, Any]]]:
    offset = 0
    while True:
        page = article_page(state.db, filters, limit=_PAGE, offset=offset)["items"]
        if not page:
            return
        yield page
        offset += len(page)


def _jsonl(state: ServerState, filters: ArticleFilters) -> Iterator[bytes]:
    from narrascope.cli._safe import json_text
    from narrascope.techniques import named_techniques

    for page in _pages(state, filters):
        docs = state.db.load_documents([item["id"] for item in page])
        yield "".join(json_text(named_techniques(d.to_dict())) + "\n" for d in docs).encode()


def _csv(state: ServerState, filters: ArticleFilters) -> Iterator[bytes]:
    from narrascope.cli._safe import SafeCsvWriter

    columns = ("id", "published", "outlet", "title", "language", "url", "word_count")
    columns += ("duplicate_of", "dominant_narrative", "techniques", "story")
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(columns)
    for page in _pages(state, filters):
        for item in page:
            writer.writerow(["" if item[c] is None else item[c] for c in columns])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


# ------------------------------------------------------------- submissions
async def _read_submission(state: ServerState, request: Request) -> tuple[str, list[Any]]:
    """(kind, items) of a POST /api/articles body, or 4xx with the reason."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/json":
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError) as exc:
            raise HTTPException(422, f"the body is not valid JSON: {exc}") from None
        return _json_submission(body)
    if ctype == "multipart/form-data":
        return await _file_submission(state, request)
    raise HTTPException(
        415, "send application/json (an article, articles or URLs) or multipart/form-data (files)"
    )


def _json_submission(body: Any) -> tuple[str, list[Any]]:
    if not isinstance(body, dict):
        raise HTTPException(422, "the body must be a JSON object")
    try:
        if "text" in body:
            records = [ArticleIn.model_validate(body)]
        elif "articles" in body:
            records = ArticlesIn.model_validate(body).articles
        elif "url" in body or "urls" in body:
            urls_in = UrlsIn.model_validate(body)
            urls = ([urls_in.url] if urls_in.url else []) + list(urls_in.urls)
            if not urls:
                raise HTTPException(422, "give a url or a list of urls")
            for url in urls:
                _check_url(url)
            return "urls", urls
        else:
            raise HTTPException(
                422,
                "expected {text, title, outlet, url, published, language}, {articles: [...]}"
                " or {url} / {urls: [...]}",
            )
    except ValidationError as exc:
        reason = "; ".join(
            f"body field {'.'.join(str(p) for p in e['loc'])!r}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        raise HTTPException(422, reason) from None
    items = []
    for n, record in enumerate(records):
        if not record.text.strip():
            raise HTTPException(422, f"article {n}: the text is empty")
        if record.published:
            from narrascope.ingest import parse_date

            if parse_date(record.published) is None:
                raise HTTPException(
                    422, f"article {n}: published {record.published!r} is not a date (YYYY-MM-DD)"
                )
        items.append({k: v for k, v in record.model_dump().items() if v not in (None, "")})
    return "texts", items


def _check_url(url: str) -> None:
    """Only http(s) URLs with a host are fetched (the fetcher then refuses private hosts)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise HTTPException(422, f"url {url[:200]!r}: only http(s) URLs with a host are fetched")
    if any(ord(c) < 33 or ord(c) == 127 for c in url) or len(url) > 2000:
        raise HTTPException(422, f"url {url[:200]!r}: not a valid URL")


async def _file_submission(state: ServerState, request: Request) -> tuple[str, list[Any]]:
    limit = state.settings.max_body
    try:
        form = await request.form(max_files=20, max_fields=20, max_part_size=limit)
    except HTTPException:
        raise
    except Exception as exc:  # python-multipart's parse errors
        raise HTTPException(422, f"cannot read the form: {exc}") from None
    uploads = [v for k, v in form.multi_items() if k == "file" and not isinstance(v, str)]
    if not uploads:
        raise HTTPException(422, "no file in the form (field 'file')")
    outlet = form.get("outlet")
    outlet = outlet.strip()[:200] if isinstance(outlet, str) else ""
    job_id = state.jobs.new_id()
    items: list[Any] = []
    for n, upload in enumerate(uploads):
        name = (upload.filename or f"file-{n}").replace("\\", "/").rsplit("/", 1)[-1][:200]
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise HTTPException(
                422, f"file {name!r}: unsupported format (accepted: {', '.join(UPLOAD_SUFFIXES)})"
            )
        data = await upload.read()
        if not data.strip():
            raise HTTPException(422, f"file {name!r}: is empty")
        path = state.jobs.upload_path(job_id, n, suffix)
        path.write_bytes(data)
        items.append({"name": name, "path": path.name, "outlet": outlet, "job": job_id})
    return "files", items
