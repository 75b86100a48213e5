"""``multilabeltext dashboard``: explore a model directory in the browser (Dash, on localhost)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..config import DashboardSettings
from .common import ModelDirArgument, OldModelOption, app, model_dir, note_deprecations, run

DEFAULTS = DashboardSettings()  # the option defaults

DASHBOARD_HELP = """Explore a trained model in the browser: its test predictions, tag thresholds and new questions.

Serves a Dash app on localhost and prints its URL (Ctrl-C stops it). On the page:

- [bold]Tag a question[/bold]: paste a question, see its best tags with probabilities and which words drove them.
- [bold]Thresholds[/bold]: move any tag's threshold; micro/macro precision, recall and F1 on the test rows \
are recomputed live.
- [bold]Question map[/bold]: the test questions in 2-D; select points to show them in the table.
- [bold]Predictions table[/bold]: sort, filter, page, export the filtered rows as CSV; false positives and \
false negatives highlighted.

[bold]Examples[/bold]

  [cyan]multilabeltext dashboard models/so-titles-linear[/cyan]

  Another port, reachable from other machines: [cyan]multilabeltext dashboard models/pyq-lstm \
--host 0.0.0.0 --port 8080[/cyan]

  The model directory comes first, as for predict and evaluate; the old spelling \
[cyan]multilabeltext dashboard --model DIR[/cyan] still works (deprecated).
"""


@app.command("dashboard", help=DASHBOARD_HELP, no_args_is_help=True)
def dashboard_command(
    model: ModelDirArgument = None,
    model_option: OldModelOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = DEFAULTS.host,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULTS.port,
    debug: Annotated[bool, typer.Option("--debug", help="Dash dev tools (error pop-ups, callback graph) and "
                                                       "request logging. Its debugger executes code for anyone "
                                                       "who reaches the port, so it is refused unless --host is "
                                                       "loopback (127.0.0.1).")] = DEFAULTS.debug,
) -> None:
    model = model_dir(model, model_option, "dashboard", defer=True)
    from ..viz.dashboard.app import serve_dashboard

    def ready(url: str) -> None:
        print(f"Dashboard of {model} running at {url}  (Ctrl-C to stop)", flush=True)
        note_deprecations()

    run(serve_dashboard, model, host=host, port=port, debug=debug, on_ready=ready)
