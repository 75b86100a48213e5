"""The command line: each command parses options, calls one library function, prints the result.

One module per command; this one holds the app and what every command shares. Library errors
(:class:`~multilabeltext.errors.MultilabeltextError`) become a short message and exit code 2, never a
traceback. Heavy libraries are imported inside the commands, so ``--help`` is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from ..errors import MultilabeltextError

app = typer.Typer(
    name="multilabeltext",
    help="Multi-label text classification, with Stack Overflow tag prediction as its showcase.\n\n"
         "The flow: prepare (raw dump -> dataset dir) -> word2vec -> train -> evaluate / predict / report.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)

# the model directory, given the same way to every command that reads one (predict, evaluate, report, dashboard,
# serve): the first argument. --model still works for report, dashboard and serve, with a deprecation message.
ModelDirArgument = Annotated[Optional[Path], typer.Argument(metavar="MODEL", help="Model directory from `multilabeltext train`.",
                                                            show_default=False)]
OldModelOption = Annotated[Optional[Path], typer.Option("--model", "-m", hidden=True,
                                                        help="Deprecated: give MODEL as the first argument.")]


DEPRECATIONS: list[str] = []  # notes for the user, printed by note_deprecations()


def note_deprecations() -> None:
    """Print (on stderr) and forget the deprecation notes :func:`model_dir` collected."""
    while DEPRECATIONS:
        print(DEPRECATIONS.pop(0), file=sys.stderr, flush=True)


def model_dir(argument: Optional[Path], option: Optional[Path], command: str, *, defer: bool = False) -> Path:
    """The model directory of ``command`` from its MODEL argument, or from the deprecated ``--model`` option (with a
    note on stderr saying how to write it now; ``defer``: kept for :func:`note_deprecations`, so a server's first
    line stays its URL)."""
    DEPRECATIONS.clear()
    if option is not None:
        DEPRECATIONS.append(f"Note: `multilabeltext {command} --model DIR` is deprecated; write "
                            f"`multilabeltext {command} DIR`.")
        if not defer:
            note_deprecations()
        if argument is not None and argument != option:
            note_deprecations()
            raise typer.BadParameter(f"two model directories given ({argument} and --model {option}).",
                                     param_hint="MODEL")
        return option
    if argument is None:
        raise typer.BadParameter("missing the model directory.", param_hint="MODEL")
    return argument


def fail(error: MultilabeltextError) -> None:
    from rich.console import Console

    note_deprecations()  # a deferred note still reaches a user whose command failed

    from ..progress import plain

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    # everything in an error may hold user text (file and column names, values): never parsed as markup
    console.print(f"[bold red]Error:[/bold red] {plain(error.where) + ': ' if error.where else ''}{plain(error.what)}",
                  markup=True)
    if error.fix:
        console.print(f"[bold]Fix:[/bold] {plain(error.fix)}")
    raise typer.Exit(error.exit_code)


def run(fn, *args, **kwargs):
    """Call a library function, turning its errors (and Ctrl-C) into messages and exit codes."""
    try:
        return fn(*args, **kwargs)
    except MultilabeltextError as error:
        fail(error)
    except KeyboardInterrupt:
        print("Interrupted: nothing was written.", file=sys.stderr)
        raise typer.Exit(130) from None


def csv_list(value: Optional[str]) -> Optional[list[str]]:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def version_callback(value: bool) -> None:
    if value:
        print(f"multilabeltext {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    """Multi-label text classification, with Stack Overflow tag prediction as its showcase."""
    from ..signals import terminate_like_interrupt

    terminate_like_interrupt()  # SIGTERM cleans up like Ctrl-C: exit 130, nothing written, no workers left
    quiet_third_party_warnings()


def quiet_third_party_warnings() -> None:
    """Warnings of other libraries (scikit-learn, TensorFlow, ...) are not the user's to act on: hidden in
    the CLI, unless the user asks for them (``python -W ...`` or ``PYTHONWARNINGS``); ours still show."""
    import os
    import warnings

    if sys.warnoptions:
        return
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"multilabeltext(\.|$)")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # worker processes (joblib/loky) start with it
