"""The HTTP service (FastAPI): `create_app(...)` builds it around a rulebook chosen at start-up.

Endpoints: POST /v1/check, /v1/timeline, /v1/screen (and /v1/whatif when chipcontrol.counterfactual is there),
GET /v1/rulebook, /v1/health, the web page at / with the cited articles under /seeds/, and /openapi.json, /docs.
Bad input is a 4xx whose body is `{"error": "<one line>"}`, the same line the CLI prints; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import anyio
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException

from ..errors import ChipControlError, InputError, excerpt, unknown_name
from ..order import Order
from ..provenance import input_error
from ..rulebook import Rulebook, load_rulebook
from ..rules import Kind
from ..timeline import Timeline
from ..version import __version__
from . import page
from .answers import Answers, Options, screen_csv, screen_response
from .decision_log import DecisionLog
from .guards import ApiKey, BodyLimit, Limits, TimeLimit
from .models import (
    REQUEST_MODELS, CheckResponse, CoverageInfo, ErrorResponse, Health, RuleInfo, RulebookInfo, ScreenRequest,
    ScreenResponse, TimelineRequest,
)

ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 413, 422, 503)}
#: Upload formats of /v1/screen: file extension or Content-Type -> the extension chipcontrol.screen reads.
UPLOAD_TYPES = {
    ".csv": ".csv", ".parquet": ".parquet", ".pq": ".parquet", ".jsonl": ".jsonl", ".ndjson": ".jsonl",
    "text/csv": ".csv", "application/vnd.apache.parquet": ".parquet", "application/x-parquet": ".parquet",
    "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl",
}
Engine = Query(None, description="reference or durable (default: durable where it runs). Engines agree (design.md §3, rule 10).")
PostureQ = Query("enforced", description="enforced (default): what the agency enforces; codified: the text as codified.")
ProvisionalQ = Query(False, description="Answer past the verified horizon (up to coverage.provisional_until), marked provisional.")


def one_line(message: str) -> str:
    return " ".join(str(message).split())


def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


def create_app(
    rulebook: Rulebook | None = None,
    decision_log: str | Path | DecisionLog | None = None,
    api_key: str | None = None,
    *,
    limits: Limits = Limits(),
    cors_origins: tuple[str, ...] | list[str] = (),
) -> FastAPI:
    """The service. `rulebook`: the bundled one by default. `decision_log`: a file (or DecisionLog) every decision is
    appended to. `api_key`: required from every client but the health probe; None reads CHIPCONTROL_API_KEY ("" for
    none). `cors_origins`: origins allowed to call from a browser (none by default)."""
    rulebook = rulebook if rulebook is not None else load_rulebook()
    log = decision_log if isinstance(decision_log, DecisionLog) or decision_log is None else DecisionLog(decision_log)
    api_key = os.environ.get("CHIPCONTROL_API_KEY", "") if api_key is None else api_key
    answers = Answers(rulebook, log)
    whatif = importlib.util.find_spec("chipcontrol.counterfactual") is not None
    screen = importlib.util.find_spec("pyarrow") is not None

    app = FastAPI(
        title="chipcontrol",
        version=__version__,
        summary="Was this order legal under US export controls on advanced AI chips?",
        description=f"Rulebook **{rulebook.name}**, hash `{rulebook.hash}`. Every answer names the deciding rules and "
        "quotes their sources. Bad input gets a 4xx with a one-line `error`.",
    )
    app.state.answers = answers
    app.state.limits = limits
    _handlers(app)
    _openapi_with_request_models(app)
    info = _rulebook_info(rulebook).model_dump_json().encode("utf-8")
    articles = page.articles(rulebook)
    endpoints = ["POST /v1/check", "POST /v1/timeline", *(["POST /v1/whatif"] if whatif else []),
                 *(["POST /v1/screen"] if screen else []), "GET /v1/rulebook", "GET /v1/health", "GET /"]

    workers = anyio.CapacityLimiter(limits.threads)

    async def in_thread(function, *args):
        """Run blocking work in one of a few worker threads (more would only contend for the GIL); the request's
        time limit abandons it (guards.TimeLimit)."""
        return await anyio.to_thread.run_sync(function, *args, abandon_on_cancel=True, limiter=workers)

    @app.post("/v1/check", response_model=CheckResponse, responses=ERRORS, openapi_extra=_body("Order"),
              summary="Was this order legal?")
    async def check(
        request: Request,
        certificate: bool = Query(False, description="Also return the decision certificate (its digest goes to the log)."),
        posture: Literal["enforced", "codified"] = PostureQ,
        provisional: bool = ProvisionalQ,
        engine: str | None = Engine,
    ) -> Response:
        """The Verdict for one order (an Order as JSON: a catalog name or an inline chip and buyer)."""
        sent = await _json_object(request)
        order = _order(sent)

        def answer() -> tuple[str, str]:  # serialising builds the verdict's explanations: in the thread too
            result = answers.check(order, sent, Options(engine, posture, provisional), certificate)
            return result.model_dump_json(), result.decision_id

        body, decision_id = await in_thread(answer)
        return Response(body, media_type="application/json", headers={"X-Decision-Id": decision_id})

    @app.post("/v1/timeline", response_model=Timeline, responses=ERRORS, openapi_extra=_body("TimelineRequest"),
              summary="When was this order (il)legal, and why?")
    async def timeline(
        request: Request, posture: Literal["enforced", "codified"] = PostureQ, provisional: bool = ProvisionalQ,
        engine: str | None = Engine,
    ) -> Response:
        """The order's legality from `start` to `end`: periods of constant verdict and the rule changes between them."""
        asked = _model(TimelineRequest, await _json_object(request))
        order = _order({"date": asked.start.isoformat(), **asked.order}, "order")
        options = Options(engine, posture, provisional)
        body = await in_thread(lambda: answers.timeline(order, asked.start, asked.end, options).model_dump_json())
        return Response(body, media_type="application/json")

    if whatif:
        from ..counterfactual import Alternative  # noqa: F401  (its schema documents the answer)

        @app.post("/v1/whatif", response_model=list[Alternative], responses=ERRORS, openapi_extra=_body("Order"),
                  summary="The nearest changes that would flip this order's verdict")
        async def what_if(
            request: Request, posture: Literal["enforced", "codified"] = PostureQ, provisional: bool = ProvisionalQ,
            engine: str | None = Engine,
        ) -> Response:
            """Alternatives to the order (another date, destination, chip...) with the verdict each would get."""
            from ..counterfactual import counterfactual

            order = _order(await _json_object(request))
            options = Options(engine, posture, provisional).as_dict()
            alternatives = await in_thread(lambda: [a.model_dump_json() for a in counterfactual(rulebook, order, **options)])
            body = "[" + ",".join(alternatives) + "]"
            return Response(body, media_type="application/json")

    if screen:
        @app.post("/v1/screen", response_model=ScreenResponse, responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
                  openapi_extra=_screen_body(), summary="Screen an order book",
                  description="Every order's verdict: JSON rows, or an uploaded CSV, Parquet or JSON Lines file "
                  "(multipart field `file`, or the raw body with its Content-Type). At most "
                  f"{limits.max_rows:,} rows and {limits.max_upload_bytes:,} bytes per request.")
        async def screen_book(
            request: Request,
            format: Literal["json", "csv"] = Query("json", description="json (default), or csv: the book's columns "
                                                   "then the screening's, lists joined with ';'."),
            posture: Literal["enforced", "codified"] = PostureQ,
            provisional: bool = ProvisionalQ,
            engine: str | None = Engine,
        ) -> Response:
            orders = await _order_book(request)
            screening, ids = await in_thread(answers.screen, orders, Options(engine, posture, provisional), limits.max_rows)
            if format == "csv":
                return Response(await in_thread(screen_csv, screening, ids), media_type="text/csv; charset=utf-8")
            return Response((await in_thread(screen_response, screening, ids)).model_dump_json(), media_type="application/json")

    @app.get("/v1/rulebook", response_model=RulebookInfo, summary="The rulebook in use")
    async def rulebook_info() -> Response:
        """Name, content hash, coverage and verified horizon, and every rule with its dates."""
        return Response(info, media_type="application/json")

    @app.get("/v1/health", response_model=Health, summary="Is the service up?")
    async def health() -> Health:
        """Always open (no API key): the version and the rulebook hash."""
        return Health(status="ok", library_version=__version__, rulebook_hash=rulebook.hash,
                      decision_log=log is not None, endpoints=endpoints)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def web_page(request: Request) -> HTMLResponse:
        params = dict(request.query_params)
        if not any(v.strip() for v in params.values()):
            return HTMLResponse(page.page_html(rulebook, {}))
        try:
            order, given = page.order_of_query(params)
        except InputError as exc:
            return HTMLResponse(page.page_html(rulebook, params, error=one_line(exc)), status_code=422)

        def answer() -> str:  # the verdict (logged), the order over the verified coverage, its figure, the page
            result = answers.check(order, given, Options(), endpoint="/")
            coverage = rulebook.coverage
            timeline = answers.timeline(order, coverage.start, coverage.until - dt.timedelta(days=1), Options())
            return page.page_html(rulebook, given, verdict=result.verdict, timeline=timeline,
                                  figure=page.figure_uri(timeline), decision_id=result.decision_id)

        try:
            return HTMLResponse(await in_thread(answer))
        except InputError as exc:
            return HTMLResponse(page.page_html(rulebook, given, error=one_line(exc)), status_code=422)

    @app.get("/seeds/{name}", response_class=HTMLResponse, include_in_schema=False)
    async def article(name: str) -> HTMLResponse:
        text = articles.get(page.SEEDS + name)
        if text is None:
            return HTMLResponse("<p>No such article.</p>", status_code=404)
        return HTMLResponse(text)

    # Outermost last: CORS (a preflight carries no key), the key, the body size, the time limit.
    app.add_middleware(TimeLimit, seconds=limits.time_limit)
    app.add_middleware(BodyLimit, limits=limits)
    if api_key:
        app.add_middleware(ApiKey, key=api_key)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization", "X-API-Key"])
    return app


# ------------------------------------------------------------------------------------------ reading requests


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InputError(f"the request body gives the key {excerpt(key)} twice")
        seen[key] = value
    return seen


def _no_constant(name: str):
    raise InputError(f"the request body is not valid JSON: {name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """The JSON in a request body; InputError (400) for anything else, a duplicated key or NaN included."""
    if not body.strip():
        raise BadRequest("the request body is empty: send the order as a JSON object")
    try:
        return json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except UnicodeDecodeError:
        raise BadRequest("the request body is not valid JSON: it is not UTF-8 text") from None
    except RecursionError:
        raise BadRequest("the request body is not valid JSON: it is nested too deeply") from None
    except InputError as exc:
        raise BadRequest(str(exc)) from None


class BadRequest(InputError):
    """A body that is not JSON at all (400), as opposed to JSON that is not an answerable order (422)."""


async def _json_object(request: Request) -> dict[str, Any]:
    data = parse_json(await request.body())
    if not isinstance(data, dict):
        raise BadRequest(f"the request body must be a JSON object, got a JSON {type(data).__name__.replace('dict', 'object')}")
    return data


def _order(data: Any, where: str | None = None) -> Order:
    """An Order from JSON, raising the library's one-line InputError."""
    if not isinstance(data, dict):
        raise InputError(f"bad {where or 'order'}: expected a JSON object, got {excerpt(data)}")
    kinds = [k.value for k in Kind]
    if isinstance(data.get("kind"), str) and data["kind"] not in kinds:  # as the CLI says it, with close matches
        raise unknown_name("kind", data["kind"], kinds)
    try:
        return Order(**data)
    except InputError as exc:
        if where:
            raise InputError(str(exc).replace("bad Order", f"bad {where}", 1)) from None
        raise


def _model(model: type[BaseModel], data: dict[str, Any]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise input_error(exc, model.__name__) from None


async def _order_book(request: Request):
    """The order book of a /v1/screen request as a pyarrow Table: JSON rows, a multipart upload, or a raw file."""
    import tempfile

    import pyarrow as pa

    from ..screen import read_orders

    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind == "application/json":
        asked = _model(ScreenRequest, await _json_object(request))
        if not asked.rows:
            raise InputError("the order book has no rows")
        try:
            return read_orders(pa.Table.from_pylist(asked.rows))
        except (pa.ArrowException, TypeError) as exc:
            raise InputError(f"cannot read the rows: {one_line(exc)[:300]}") from None
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("send the order book as the multipart field 'file'")
        suffix = UPLOAD_TYPES.get(Path(upload.filename or "").suffix.lower()) or UPLOAD_TYPES.get(
            (upload.content_type or "").lower())
        data = await upload.read()
        name = upload.filename or "upload"
    else:
        suffix, data, name = UPLOAD_TYPES.get(kind), await request.body(), "the request body"
    if suffix is None:
        raise InputError(f"cannot tell the order book's format ({excerpt(name)}, {kind}): send a .csv, .parquet or "
                         ".jsonl file, or JSON rows")
    with tempfile.TemporaryDirectory(prefix="chipcontrol-") as folder:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", Path(name).stem)[:60] if name != "the request body" else "orders"
        path = Path(folder) / f"{stem or 'orders'}{suffix}"  # errors name the file as the client did
        path.write_bytes(data)
        try:
            return read_orders(path)
        except (pa.ArrowException, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the order book: {one_line(exc)[:300]}") from None


# ------------------------------------------------------------------------------------------ errors and docs


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest):
        return error(400, str(exc))

    @app.exception_handler(ChipControlError)
    async def bad_input(request: Request, exc: ChipControlError):
        return error(422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError):
        first = exc.errors()[0]
        where = " ".join(str(p) for p in first.get("loc", ()))
        return error(422, f"bad {where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        messages = {404: f"no such endpoint: {request.method} {request.url.path}",
                    405: f"{request.method} is not allowed on {request.url.path}"}
        return error(exc.status_code, messages.get(exc.status_code, str(exc.detail)), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        return error(500, f"internal error: {type(exc).__name__}: {excerpt(str(exc), 200)} (please report this)")


REF = "#/components/schemas/"


def _body(schema: str) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": REF + schema}}}}}


def _screen_body() -> dict:
    file = {"type": "object", "properties": {"file": {"type": "string", "format": "binary",
                                                      "description": "A .csv, .parquet or .jsonl order book."}}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": REF + "ScreenRequest"}},
        "multipart/form-data": {"schema": file},
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
    }}}


def _openapi_with_request_models(app: FastAPI) -> None:
    """The OpenAPI document, with the schemas of the bodies the endpoints read by hand (so that the library's own
    validation gives the error messages) added to its components."""

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, summary=app.summary, description=app.description,
                               routes=app.routes)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        _, extra = models_json_schema([(m, "validation") for m in REQUEST_MODELS], ref_template=REF + "{model}")
        defs = extra.get("$defs", {})
        # a model whose input schema differs from the output schema FastAPI listed is added as NAME-Input
        renames = {n: f"{n}-Input" for n, schema in defs.items() if n in components and components[n] != schema}
        text = json.dumps(defs)
        for old, new in renames.items():
            text = text.replace(json.dumps(REF + old), json.dumps(REF + new))
        for name, schema in json.loads(text).items():
            components[renames.get(name, name)] = schema
        for operation in (op for path in document["paths"].values() for op in path.values()):
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref.startswith(REF) and ref[len(REF):] in renames:
                    media["schema"]["$ref"] = REF + renames[ref[len(REF):]]
        app.openapi_schema = document
        return document

    app.openapi = openapi


def _rulebook_info(rulebook: Rulebook) -> RulebookInfo:
    cov = rulebook.coverage
    rules = sorted(rulebook.rules.values(), key=lambda r: (r.effective, r.id))
    return RulebookInfo(
        name=rulebook.name,
        hash=rulebook.hash,
        library_version=__version__,
        coverage=CoverageInfo(
            start=cov.start, verified_until=cov.until, provisional_until=cov.provisional_until, kinds=cov.kinds,
            excluded_destinations=sorted({c for e in cov.excluded_destinations for c in e.countries}),
        ),
        rules=[RuleInfo(id=r.id, title=r.title, status=r.status, effective=r.effective, until=r.until, kinds=r.kinds,
                        effect=r.effect, review_policy=r.review_policy) for r in rules],
    )
