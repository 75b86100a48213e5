"""``multilabeltext serve``: a model directory behind an HTTP API (FastAPI + uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..serve.settings import ServeSettings
from .common import ModelDirArgument, OldModelOption, app, model_dir, note_deprecations, run

DEFAULTS = ServeSettings()  # one source of truth for the option defaults (a cheap import: no FastAPI)

SERVE_HELP = """Serve a trained model over HTTP: POST /predict, GET /labels, /model, /health; API docs at /docs.

Loads the model once; concurrent requests are scored together (micro-batching, up to --max-batch texts per \
model call). Bad requests get a JSON error (400, 413, 422) saying what to fix; the service keeps answering.

[bold]Examples[/bold]

  [cyan]multilabeltext serve models/so-titles-linear[/cyan]

  [cyan]curl -s localhost:8000/predict -H 'Content-Type: application/json' -d '{"text": "merge two dicts", "top_k": 3}'[/cyan]

  A batch: [cyan]curl -s localhost:8000/predict -H 'Content-Type: application/json' -d '{"texts": ["pandas groupby", "regex digits"]}'[/cyan]

  On every interface, two processes: [cyan]multilabeltext serve models/so-titles-linear --host 0.0.0.0 --port 8080 --workers 2[/cyan]

  The model directory comes first, as for predict and evaluate; the old spelling \
[cyan]multilabeltext serve --model DIR[/cyan] still works (deprecated).
"""


@app.command("serve", help=SERVE_HELP, no_args_is_help=True)
def serve_command(
    model: ModelDirArgument = None,
    model_option: OldModelOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = DEFAULTS.host,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULTS.port,
    workers: Annotated[int, typer.Option(help="Processes, each loading the model (1 batches best).")] = DEFAULTS.workers,
    max_batch: Annotated[int, typer.Option(help="Most texts per request, and per model call.")] = DEFAULTS.max_batch,
    max_text_bytes: Annotated[int, typer.Option(help="Longest text accepted, in UTF-8 bytes.")] = DEFAULTS.max_text_bytes,
    max_wait_ms: Annotated[float, typer.Option(help="How long a batch waits for more requests once one arrived (0: none; requests that arrive while the model is busy still join the next batch).")] = DEFAULTS.max_wait_ms,
    max_pending: Annotated[int, typer.Option(help="Texts allowed to wait; beyond, requests get 503.")] = DEFAULTS.max_pending,
    log_level: Annotated[str, typer.Option(help="critical | error | warning | info | debug")] = DEFAULTS.log_level,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request.")] = DEFAULTS.access_log,
    request_timeout: Annotated[float, typer.Option(help="Seconds a request may take to arrive; idle and slow "
                                                   "connections are closed after it.")] = DEFAULTS.request_timeout,
    max_header_bytes: Annotated[int, typer.Option(help="Largest request head (request line and headers), in "
                                                  "bytes.")] = DEFAULTS.max_header_bytes,
) -> None:
    model = model_dir(model, model_option, "serve", defer=True)
    from ..serve.server import serve

    settings = run(ServeSettings, host=host, port=port, workers=workers, max_batch=max_batch,
                   max_text_bytes=max_text_bytes, max_wait_ms=max_wait_ms, max_pending=max_pending,
                   log_level=log_level, access_log=access_log, request_timeout=request_timeout,
                   max_header_bytes=max_header_bytes)

    def announce(line: str) -> None:
        print(line, flush=True)
        note_deprecations()

    run(serve, model, settings, announce=announce)
