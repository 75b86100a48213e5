"""``multilabeltext train``: dataset directory -> model directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import TrainConfig
from ..errors import ConfigError
from ..models import MODELS
from .common import app, run

D = TrainConfig()  # every default shown below is the settings dataclass's

TRAIN_HELP = """Train a model on a prepared dataset: fit on train, tune thresholds on validation, measure on test.

Writes a model directory (weights, labels, tuned thresholds, metrics, per-epoch history, test predictions) \
that `predict`, `evaluate` and later `report`, `dashboard` and `serve` read.

[bold]Models[/bold]: [cyan]linear[/cyan] (TF-IDF word+char n-grams, linear SVM: fast and strong; calibrated and \
thresholded on 5-fold held-out scores of every train and validation row, --param cross_fit=0 to use validation \
only), [cyan]mlp[/cyan] (the same n-grams through one hidden layer, Keras), \
[cyan]lstm[/cyan] (the 2018 tutorial's Keras LSTM, improved, and taught by a cross-fitted linear model, \
--param teacher=none to train on the labels alone; pass --vectors from `multilabeltext word2vec`), \
[cyan]ensemble[/cyan] (linear + mlp + lstm, weights tuned on validation; pass --vectors).

[bold]Examples[/bold]

  [cyan]multilabeltext train data/so-titles --out models/so-titles-linear[/cyan]

  [cyan]multilabeltext train data/so-titles --out models/so-lstm --model lstm --vectors vectors/so --param epochs=8[/cyan]

  A small dataset helped by a big related one (only its python-tagged rows, only the tags it shares):
  [cyan]multilabeltext train data/pyq --out models/pyq --auxiliary data/so-titles --auxiliary-tag python[/cyan]

  Settings from a file, one overridden: [cyan]multilabeltext train data/pyq --out models/pyq --config train.toml --param C=1.0[/cyan]

  On Apache Spark (needs multilabeltext\\[spark]), the same model directory: linear with the n-gram counts and one \
Spark ML classifier per tag computed on the cluster, calibrated and thresholded on the validation split:
  [cyan]multilabeltext train data/so-titles --out models/so-spark --engine spark --spark-master 'local[*]'[/cyan]
  Spark-only settings: [cyan]--param spark_max_iter=50 --param spark_parallel_tags=4 \
--param spark_classifier=svm|logistic[/cyan]
  mlp and lstm train data-parallel, one TensorFlow worker per Spark task (a barrier stage; \
--param spark_workers=2, at most the task slots), the thresholds tuned on the driver:
  [cyan]multilabeltext train data/so-titles --out models/so-mlp-spark --model mlp --engine spark \
--param spark_workers=2[/cyan]
"""


def _raise(error: Exception):
    raise error


def parse_param(text: str) -> tuple[str, object]:
    """``key=value`` with the value read as JSON when it parses (numbers, true/false, lists), else a string."""
    if "=" not in text:
        raise ConfigError(f"--param expects key=value, got {text!r}.", fix="pass e.g. --param C=0.5.")
    key, value = text.split("=", 1)
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


@app.command("train", help=TRAIN_HELP, no_args_is_help=True)
def train_command(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory from `multilabeltext prepare`.",
                                            show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.", show_default=False)],
    model: Annotated[Optional[str], typer.Option(help=f"{' | '.join(MODELS)} \\[default: {D.model}]")] = None,
    config: Annotated[Optional[Path], typer.Option(help="TOML file of train settings (\\[train] and "
                                                   "\\[train.params]); options given here override it.")] = None,
    param: Annotated[Optional[list[str]], typer.Option(help="Model setting key=value (repeatable), e.g. "
                                                       "--param C=1.0 --param epochs=8.")] = None,
    threshold: Annotated[Optional[str], typer.Option(help="global | per-tag | fixed: how scores become tags, "
                                                     f"tuned on validation \\[default: {D.threshold}]")] = None,
    optimize: Annotated[Optional[str], typer.Option(help="micro | macro | samples: the F1 the thresholds are "
                                                    "tuned for (micro: every tag decision alike; macro: every tag "
                                                    "alike, rare ones too; samples: every text alike) "
                                                    f"\\[default: {D.optimize}]")] = None,
    shrink: Annotated[Optional[float], typer.Option(help="With --threshold per-tag: pull each tag's threshold "
                                                    "toward the global one as if that had this many validation "
                                                    f"positives (0: plain per-tag) \\[default: {D.shrink:g}]")] = None,
    fixed_threshold: Annotated[Optional[float], typer.Option(help="The threshold of --threshold fixed "
                                                             f"\\[default: {D.fixed_threshold:g}, the 2018 "
                                                             "tutorial's]")] = None,
    min_tags: Annotated[Optional[int], typer.Option(help="Give every text at least this many tags "
                                                    f"\\[default: {D.min_tags}]")] = None,
    vectors: Annotated[Optional[str], typer.Option(help="Word2Vec vectors (directory or file) for models "
                                                   "with embeddings.")] = None,
    auxiliary: Annotated[Optional[Path], typer.Option(help="A related prepared dataset to learn from too, at a "
                                                      "lower weight and only for the tags it has (linear, mlp, ensemble).",
                                                      show_default=False)] = None,
    auxiliary_tag: Annotated[Optional[str], typer.Option(help="Use only the auxiliary rows carrying this tag, "
                                                         "e.g. python.", show_default=False)] = None,
    auxiliary_weight: Annotated[Optional[float], typer.Option(help="What one auxiliary row counts against one "
                                                              f"training row \\[default: {D.auxiliary_weight:g}]")] = None,
    seed: Annotated[Optional[int], typer.Option(help=f"Random seed \\[default: {D.seed}]")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it already holds a model.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress; print only OUT.")] = False,
    engine: Annotated[str, typer.Option(help="embedded (this process) | spark (Apache Spark: --model linear, mlp or lstm; "
                                        "needs multilabeltext\\[spark])", rich_help_panel="Engine")] = "embedded",
    spark_master: Annotated[Optional[str], typer.Option(help="Spark master URL with --engine spark \\[default: "
                                                        "local[*], or spark-submit's]", rich_help_panel="Engine")] = None,
    spark_conf: Annotated[Optional[list[str]], typer.Option(help="Spark setting key=value (repeatable), e.g. "
                                                            "spark.executor.memory=4g", rich_help_panel="Engine")] = None,
) -> None:
    from ..progress import set_quiet
    from ..training import train

    set_quiet(quiet)
    base = run(TrainConfig.from_toml, config) if config else TrainConfig()
    given = {"model": model, "threshold": threshold, "optimize": optimize, "shrink": shrink,
             "fixed_threshold": fixed_threshold, "min_tags": min_tags,
             "vectors": vectors, "seed": seed, "auxiliary": auxiliary and str(auxiliary),
             "auxiliary_tag": auxiliary_tag, "auxiliary_weight": auxiliary_weight}
    settings = {**base.to_dict(), **{k: v for k, v in given.items() if v is not None}}
    if param:
        settings["params"] = {**settings["params"], **dict(run(lambda: [parse_param(p) for p in param]))}
    train_config = run(lambda: TrainConfig.from_dict(settings, source="the command line"))
    if engine == "spark":
        from ..spark.session import parse_conf
        from ..spark.train_keras import KERAS_MODELS, train_keras_spark
        from ..spark.train_linear import train_linear_spark

        trainer = train_keras_spark if train_config.model in KERAS_MODELS else train_linear_spark
        result = run(trainer, dataset, out, train_config, force=force, master=spark_master,
                     spark_conf=run(parse_conf, spark_conf))
    elif engine == "embedded":
        result = run(train, dataset, out, train_config, force=force)
    else:
        result = run(_raise, ConfigError(f"--engine must be embedded or spark, got {engine!r}.",
                                         fix="pass --engine spark, or leave it out."))
    for warning in result.metrics.get("warnings", []):  # even with --quiet: they change what the numbers mean
        print(f"Warning: {warning}", file=sys.stderr)
    if quiet:
        print(result.out)
        return
    from ..metrics import compare_table, format_table

    test = result.metrics.get("test")
    if test:
        print(format_table(test, result.metrics.get("per_tag_test"), max_tags=15))
        print()
        print(compare_table({f"tuned ({train_config.threshold})": test,
                             f"fixed {train_config.fixed_threshold:g}": result.metrics["test_fixed_threshold"]}))
    t = result.timings
    print(f"\nfit {t['fit_seconds']} s ({t['train_texts_per_second']:,.0f} texts/s)"
          + (f", predict {t['predict_texts_per_second']:,.0f} texts/s" if "predict_texts_per_second" in t else ""))
    print(f"Model written to {result.out}")
