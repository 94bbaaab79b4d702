"""``narrascope serve``: the JSON API and the dashboard on uvicorn (issue 18).

Why uvicorn's own signal handling: on SIGTERM or Ctrl-C it stops accepting
connections, lets requests in flight finish, then runs the app's shutdown,
which stops the job queue (the running analysis finishes, waiting jobs stay in
the spool for the next start). Nothing accepted is lost.
"""

from __future__ import annotations

import ipaddress
import signal
from pathlib import Path
from typing import Annotated

import typer

from narrascope.cli._common import DbOption, console, fail
from narrascope.errors import NarrascopeError

__all__ = ["serve"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    db: DbOption = "narrascope.db",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Serve reads only: every write is refused.")
    ] = False,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="File whose first line is the write token (else $NARRASCOPE_TOKEN; with"
            " neither, writes are refused).",
        ),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Pipeline config (TOML).")] = None,
    stages: Annotated[str | None, typer.Option(help="Comma-separated stages to run.")] = None,
    disable: Annotated[str | None, typer.Option(help="Comma-separated stages to skip.")] = None,
    max_mb: Annotated[
        float, typer.Option(help="Largest request body, text or uploaded file (MB).")
    ] = 10.0,
    queue: Annotated[int, typer.Option(help="Analysis jobs allowed to wait (then 503).")] = 16,
    spool: Annotated[
        Path | None,
        typer.Option(help="Folder of accepted jobs [default: DB.jobs beside a SQLite file]."),
    ] = None,
    assign_stories: Annotated[
        bool,
        typer.Option(
            "--stories/--no-stories", help="Assign analysed articles to stories after each job."
        ),
    ] = True,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            help="Let submitted URLs and their redirects reach loopback, private and link-local"
            " addresses (refused by default)."
        ),
    ] = False,
) -> None:
    """Serve the JSON API (/api, /openapi.json) and the dashboard over a database."""
    from narrascope.api import ServeSettings, create_app, read_token
    from narrascope.config import load_config

    if not 0 < port < 65536:
        fail(f"--port {port}: expected 1-65535")
    if max_mb <= 0 or queue < 1:
        fail("--max-mb must be above 0 and --queue at least 1")
    try:
        token = read_token(token_file)
        cfg = load_config(config)
        only = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
        off = [s.strip() for s in disable.split(",") if s.strip()] if disable else None
        cfg = cfg.with_stages(only, off)
        settings = ServeSettings(
            db=db,
            read_only=read_only,
            token=token,
            max_body=int(max_mb * 1_000_000),
            max_queued=queue,
            spool=spool,
            config=cfg,
            allow_private_urls=allow_private_urls,
            stories=assign_stories,
        )
        app = create_app(settings)
    except (NarrascopeError, ValueError) as exc:
        fail(str(exc))
    import uvicorn

    if not _loopback(host):
        console.print(
            f"[yellow]warning:[/] listening on {host}: anyone who can reach it can read the"
            " corpus (writes still need the token)."
        )
    writes = app.state.narrascope.writes()
    console.print(f"narrascope serve: http://{host}:{port}/  (writes {writes})", markup=False)
    # uvicorn handles SIGTERM/SIGINT itself (graceful shutdown: requests in flight and
    # the running job finish), then re-raises the signal at the handler it found; this
    # one lets the process end with status 0 after that clean stop instead of dying by it
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stopped)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


def _stopped(_signum: int, _frame: object) -> None:
    """Nothing left to do: the server has already shut down cleanly."""
