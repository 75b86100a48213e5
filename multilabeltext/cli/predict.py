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

Blank and whitespace-only lines are not tagged: their output line says [cyan]"skipped"[/cyan] (no tags), so \
output line N always answers input line N, and stderr lists them.
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
    engine: Annotated[str, typer.Option(help="embedded | spark: score --input inside Spark executors into --out "
                                        "(Parquet: id, text, tags, probabilities)", rich_help_panel="Engine")] = "embedded",
    input: Annotated[Optional[str], typer.Option(help="With --engine spark: a dataset directory, or Parquet with "
                                                 "id and text columns (local or s3a:// ...)",
                                                 rich_help_panel="Engine")] = None,
    out: Annotated[Optional[Path], typer.Option(help="With --engine spark: the Parquet directory to write",
                                                rich_help_panel="Engine")] = None,
    split: Annotated[Optional[str], typer.Option(help="With --engine spark and a dataset: only this split",
                                                 rich_help_panel="Engine")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out", rich_help_panel="Engine")] = False,
    spark_master: Annotated[Optional[str], typer.Option(help="Spark master URL \\[default: local[*]]",
                                                        rich_help_panel="Engine")] = None,
    spark_conf: Annotated[Optional[list[str]], typer.Option(help="Spark setting key=value (repeatable)",
                                                            rich_help_panel="Engine")] = None,
) -> None:
    if engine == "spark":
        from ..spark.predict import predict_spark
        from ..spark.session import parse_conf

        if input is None or out is None:
            run(_raise, ConfigError("--engine spark scores a table: it needs --input and --out.",
                                    fix="pass --input DATASET_DIR_OR_PARQUET --out OUT.parquet."))
        done = run(predict_spark, model, input, out, top_k=top_k, threshold=threshold, split=split, force=force,
                   master=spark_master, spark_conf=run(parse_conf, spark_conf))
        print(f"{done['rows']:,} rows scored -> {done['out']}")
        return
    from ..predict import Predictor

    predictor = run(Predictor, model)
    blank: list[int] = []

    def emit():
        for text, result in skip_blank(_texts(texts, file), blank, lambda stream: predictor.predict_stream(
                stream, batch_size=batch_size, threshold=threshold, top_k=top_k)):
            print(json.dumps({"text": text, **result}, ensure_ascii=False))

    run(emit)
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" ..." if len(blank) > 10 else "")
        print(f"{len(blank):,} blank text(s) not tagged (line {shown}): their output lines say "
              '"skipped", so output line N still answers input line N.', file=sys.stderr)


BLANK = {"tags": [], "probabilities": {}, "skipped": "blank: nothing to tag"}


def _raise(error):
    raise error


def skip_blank(texts, blank: list[int], predict_stream):
    """``(text, result)`` for every text in order; blank or whitespace-only texts are not given to the model
    but answered with :data:`BLANK` in their place (their 1-based positions are appended to ``blank``).

    Example:
        >>> fake = lambda stream: ((t, {"tags": [t.upper()]}) for t in stream)
        >>> found = []
        >>> [r["tags"] for _, r in skip_blank(["a", " ", "b", ""], found, fake)], found
        ([['A'], [], ['B'], []], [2, 4])
    """
    from collections import deque

    pending: deque = deque()  # for each text read so far and not yet answered: blank or not

    def to_model():
        for number, text in enumerate(texts, 1):
            is_blank = not text.strip()
            pending.append((number, text, is_blank))
            if is_blank:
                blank.append(number)
            else:
                yield text

    for text, result in predict_stream(to_model()):
        while pending[0][2]:
            yield pending.popleft()[1], dict(BLANK)
        pending.popleft()
        yield text, result
    while pending:
        yield pending.popleft()[1], dict(BLANK)
