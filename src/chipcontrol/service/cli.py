"""`chipcontrol serve`: the HTTP service on uvicorn (cli.py wires it in). FastAPI is imported only when it runs."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ChipControlError, InputError

INSTALL_HINT = "pip install 'chipcontrol[serve]'"


def add_parser(sub) -> None:
    """Declare the `serve` subcommand on the CLI's subparsers."""
    serve = sub.add_parser(
        "serve",
        help="answer orders over HTTP: a JSON API, a decision log and a web page",
        description="Serve the rulebook (chosen now, at start-up) over HTTP. The API key, when CHIPCONTROL_API_KEY is "
        "set, is required from every client but GET /v1/health.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    serve.add_argument("--decision-log", metavar="FILE", help="append every decision to FILE, one JSON line each")
    serve.add_argument("--max-rows", type=int, default=None, metavar="N", help="orders per /v1/screen request (default 10,000)")
    serve.add_argument("--max-body", type=int, default=None, metavar="BYTES", help="request body limit (default 1 MiB)")
    serve.add_argument("--max-upload", type=int, default=None, metavar="BYTES",
                       help="/v1/screen body limit (default 20 MiB)")
    serve.add_argument("--time-limit", type=float, default=None, metavar="SECONDS", help="per request (default 30)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="let pages from ORIGIN call the API from a browser (repeatable; default: none)")


def require_extra() -> None:
    """A one-line error (exit 2) when FastAPI or uvicorn is missing."""
    missing = [name for name in ("fastapi", "uvicorn") if _absent(name)]
    if _absent("python_multipart") and _absent("multipart"):  # python-multipart's module, new name then old
        missing.append("python-multipart")
    if missing:
        raise ChipControlError(f"serve needs FastAPI, uvicorn and python-multipart (missing: {', '.join(missing)}): {INSTALL_HINT}")


def _absent(name: str) -> bool:
    import importlib

    try:
        importlib.import_module(name)
    except ImportError:
        return True
    return False


def run(args: argparse.Namespace, load_rulebook) -> int:
    """Check the options, load the rulebook, open the log, then serve until interrupted."""
    require_extra()
    from .guards import Limits

    if not 0 <= args.port <= 65535:
        raise InputError(f"bad --port: {args.port} is not a port number (0-65535)")
    defaults = Limits()
    limits = Limits(
        max_body_bytes=_positive(args.max_body, "--max-body", defaults.max_body_bytes),
        max_upload_bytes=_positive(args.max_upload, "--max-upload", defaults.max_upload_bytes),
        max_rows=_positive(args.max_rows, "--max-rows", defaults.max_rows),
        time_limit=_positive(args.time_limit, "--time-limit", defaults.time_limit),
    )
    os.environ.setdefault("MPLBACKEND", "Agg")  # the page draws figures in worker threads: never a GUI backend
    import uvicorn

    from .app import create_app

    rulebook = load_rulebook(args.rulesets)
    app = create_app(rulebook, decision_log=args.decision_log, limits=limits, cors_origins=args.cors_origin)
    key = "required (CHIPCONTROL_API_KEY)" if os.environ.get("CHIPCONTROL_API_KEY") else "none"
    print(f"chipcontrol: serving {rulebook.name} ({rulebook.hash[:12]}) on http://{_url_host(args.host)}:{args.port}/ "
          f"· API key: {key} · decision log: {args.decision_log or 'off'}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False,
                limit_concurrency=limits.connections, timeout_keep_alive=5)
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _positive(value, flag: str, default):
    if value is None:
        return default
    if value <= 0:
        raise InputError(f"bad {flag}: must be more than 0, got {value}")
    return value
