"""``multilabeltext evaluate``: one or more models on a dataset split, side by side, JSON + a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import app, run

EVALUATE_HELP = """Measure trained models on a dataset split and compare them side by side.

Metrics: micro/macro/samples precision, recall and F1, P@1/3/5, Hamming loss, subset accuracy, and a \
per-tag table. With [cyan]--reference-2018[/cyan] the 2018 tutorial's LSTM predictions (shipped with the \
pythonquestions sample) are measured on the same rows.

[bold]Examples[/bold]

  [cyan]multilabeltext evaluate models/so-linear models/so-lstm --json results.json[/cyan]

  [cyan]multilabeltext evaluate models/pyq-linear --reference-2018 ../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv[/cyan]
"""


@app.command("evaluate", help=EVALUATE_HELP, no_args_is_help=True)
def evaluate_command(
    models: Annotated[list[Path], typer.Argument(help="Model directories.", show_default=False)],
    dataset: Annotated[Optional[Path], typer.Option(help="Dataset directory \\[default: the one the first "
                                                    "model was trained on]")] = None,
    split: Annotated[str, typer.Option(help="train | validation | test")] = "test",
    reference_2018: Annotated[Optional[Path], typer.Option(help="predictions_for_plotly.csv of the 2018 "
                                                           "tutorial, compared on the same rows.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the full report here.")] = None,
    per_tag: Annotated[bool, typer.Option("--per-tag/--no-per-tag", help="Print the per-tag table of the "
                                          "first model.")] = True,
) -> None:
    from ..evaluation import evaluate_models
    from ..metrics import compare_table, format_table

    report = run(evaluate_models, models, dataset, split, reference_2018)
    first = next(iter(report["models"]))
    # what is measured comes first: the split, then whose per-tag table it is, then the side-by-side table
    print(f"{report['split']} split of {report['dataset']}: {report['rows']:,} rows")
    if per_tag:
        print(f"\nModel {first} ({models[0]}): overall and per tag (the 20 most frequent; --no-per-tag hides "
              "this)")
        print(format_table(report["models"][first], report["per_tag"][first], max_tags=20))
        print("\nSide by side:")
    print(compare_table(report["models"], keys=("micro_f1", "macro_f1", "samples_f1", "p_at_1", "p_at_3",
                                                "hamming_loss", "subset_accuracy")))
    if json_out:
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"Report written to {json_out}")
