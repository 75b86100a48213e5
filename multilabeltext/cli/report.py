"""``multilabeltext report``: a model directory -> one self-contained HTML file of figures and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ModelDirArgument, OldModelOption, app, model_dir, run

REPORT_HELP = """Write one self-contained HTML report of a trained model: a summary and interactive Plotly figures.

The file inlines plotly.js once, so it opens offline in any browser. It shows: tag frequencies and tag \
co-occurrence; training curves; per-tag precision, recall and F1; precision-recall curves with the chosen \
thresholds; F1 against the threshold; the model compared with [cyan]--compare[/cyan] models, the 2018 LSTM \
([cyan]--reference-2018[/cyan]) and the benchmark's peers ([cyan]--bench[/cyan]); a 2-D map of the test \
questions (errors marked); and a Word2Vec explorer.

[bold]Examples[/bold]

  [cyan]multilabeltext report models/so-titles-linear[/cyan]   (writes models/so-titles-linear/report.html)

  [cyan]multilabeltext report models/pyq-lstm --compare models/pyq-linear --reference-2018 ../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv --bench bench/results/models-summary.json --out pyq.html[/cyan]

  The model directory comes first, as for predict and evaluate; the old spelling \
[cyan]multilabeltext report --model DIR[/cyan] still works (deprecated).
"""


@app.command("report", help=REPORT_HELP, no_args_is_help=True)
def report_command(
    model: ModelDirArgument = None,
    model_option: OldModelOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="HTML file to write \\[default: "
                                                "MODEL/report.html]")] = None,
    compare: Annotated[Optional[list[Path]], typer.Option(help="Another model directory trained on the same "
                                                          "dataset, to compare with (repeatable).")] = None,
    vectors: Annotated[Optional[Path], typer.Option(help="Word2Vec vectors for the explorer \\[default: the ones "
                                                    "the model was trained with, if any]")] = None,
    reference_2018: Annotated[Optional[Path], typer.Option(help="predictions_for_plotly.csv of the 2018 "
                                                           "tutorial, scored on the same test questions.")] = None,
    bench: Annotated[Optional[Path], typer.Option(help="An external results file (JSON, format "
                                                  "multilabeltext-external-results 1), e.g. "
                                                  "bench/results/models-summary.json: add its rows for this dataset "
                                                  "(the benchmark's peers).")] = None,
    method: Annotated[str, typer.Option(help="Projection of the question map: pca | tsne.")] = "pca",
) -> None:
    model = model_dir(model, model_option, "report")
    from ..viz.report import write_report

    path = run(write_report, model, out, compare=compare or (), vectors=vectors, reference_2018=reference_2018,
               bench=bench, method=method)
    print(f"Report written to {path} ({path.stat().st_size / 1e6:.1f} MB; open it in a browser, works offline)")
