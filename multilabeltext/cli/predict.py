"""``multilabeltext predict``: tags for texts from arguments, a file, or stdin, as JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError, InputNotFoundError
from .common import app, run

PREDICT_HELP = """Predict tags with a trained model; prints one JSON object per text (tags and probabilities).

[bold]Examples[/bold]

  [cyan]multilabeltext predict models/so-titles-linear "How do I merge two dicts in Python?"[/cyan]

  One text per line from a file, or from stdin with [cyan]-[/cyan]:
  [cyan]multilabeltext predict models/so-titles-linear --file questions.txt --top-k 5 > predictions.jsonl[/cyan]
  [cyan]echo "pandas groupby sum" | multilabeltext predict models/so-titles-linear -[/cyan]
"""


def _texts(texts: list[str] | None, file: Path | None):
    if file is not None:
        if not file.exists():
            raise InputNotFoundError(file)
        with open(file, encoding="utf-8") as f:
            yield from (line.rstrip("\n") for line in f)
    if texts == ["-"]:
        yield from (line.rstrip("\n") for line in sys.stdin)
    elif texts:
        yield from texts
    elif file is None:
        raise ConfigError("no text to predict.", fix="pass texts as arguments, --file FILE, or - to read stdin.")


@app.command("predict", help=PREDICT_HELP, no_args_is_help=True)
def predict_command(
    model: Annotated[Path, typer.Argument(help="Model directory from `multilabeltext train`.", show_default=False)],
    texts: Annotated[Optional[list[str]], typer.Argument(help="Texts to tag; - reads one text per line from "
                                                         "stdin.", show_default=False)] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="File with one text per line.")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="One threshold for all tags \\[default: the "
                                                       "model's tuned thresholds]")] = None,
    top_k: Annotated[Optional[int], typer.Option(help="Show the probabilities of the k best tags "
                                                 "\\[default: all]")] = None,
    batch_size: Annotated[int, typer.Option(help="Texts per model call.")] = 2048,
) -> None:
    from ..predict import Predictor

    predictor = run(Predictor, model)

    def emit():
        for text, result in predictor.predict_stream(_texts(texts, file), batch_size=batch_size,
                                                     threshold=threshold, top_k=top_k):
            print(json.dumps({"text": text, **result}, ensure_ascii=False))

    run(emit)
