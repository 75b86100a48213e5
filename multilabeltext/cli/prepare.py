"""``multilabeltext prepare`` (and ``processing.py``): raw dump -> dataset directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import PrepareConfig
from ..errors import MultilabeltextError
from .common import app, csv_list, fail, run

P = PrepareConfig()  # the defaults shown in --help are the settings dataclass's

PREPARE_HELP = """Prepare a dataset directory from a Stack Overflow / Stack Exchange dump or any labelled table.

Reads [bold]Kaggle[/bold] pythonquestions CSVs (Questions.csv + Tags.csv \\[+ Answers.csv]), Stack Exchange \
[bold]Posts.xml[/bold] dumps, [bold]Posts.csv[/bold] / Data Explorer exports (Title,Body,Tags), [bold]fastText[/bold] \
`__label__` files, or generic [bold]CSV/TSV/JSONL/Parquet[/bold] tables; cleans HTML, keeps the tags you choose, \
splits train/validation/test (iterative stratification keeps rare tags in every part), and writes Parquet rows, \
labels.json and manifest.json into OUT atomically.

[bold]Examples[/bold]

  The 2018 tutorial's setup (top 10 tags after python, title + body + answers):
  [cyan]multilabeltext prepare data/pythonquestions/Questions.csv --out data/pyq --top-n 10 --exclude-tag python[/cyan]

  A Stack Exchange site dump, questions only, code blocks dropped:
  [cyan]multilabeltext prepare Posts.xml --out data/beer --fields title,body --drop-code[/cyan]

  A table with its own split column:
  [cyan]multilabeltext prepare so_titles.tsv --out data/so --text-column title --label-column tags --split column[/cyan]
"""


def prepare_command(
    inputs: Annotated[list[Path], typer.Argument(
        help="Input file(s) of one format, or a directory holding Questions.csv / Posts.xml / Posts.csv.",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Dataset directory to write (refused if it holds "
                                      "data, unless --force).", show_default=False)],
    config: Annotated[Optional[Path], typer.Option(help="TOML file of prepare options (see "
                                                   "multilabeltext/defaults/prepare.toml); options given here "
                                                   "override it.", rich_help_panel="Configuration")] = None,
    format: Annotated[Optional[str], typer.Option(help="auto | kaggle | posts-xml | posts-csv | fasttext | table "
                                                  f"\\[default: {P.format}]", rich_help_panel="Reading")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Text encoding of the input \\[default: latin-1 for Kaggle "
                                                    "CSVs that are not UTF-8, else utf-8]",
                                                    rich_help_panel="Reading")] = None,
    text_column: Annotated[Optional[list[str]], typer.Option(help="Table: text column (repeat to join several) "
                                                             "\\[default: text, or title + body]",
                                                             rich_help_panel="Reading")] = None,
    label_column: Annotated[Optional[str], typer.Option(help="Table: label column \\[default: tags / labels / label]",
                                                        rich_help_panel="Reading")] = None,
    id_column: Annotated[Optional[str], typer.Option(help="Table: id column \\[default: id, else row number]",
                                                     rich_help_panel="Reading")] = None,
    label_delimiter: Annotated[Optional[str], typer.Option(help="Table: separator of labels in a cell \\[default: "
                                                           "detect lists, <a><b>, |a|b|, commas, spaces]",
                                                           rich_help_panel="Reading")] = None,
    html: Annotated[Optional[bool], typer.Option("--html/--no-html", help="Are texts HTML? \\[default: yes for Stack "
                                                 "Exchange formats, no for tables and fastText]",
                                                 rich_help_panel="Reading", show_default=False)] = None,
    strict: Annotated[Optional[bool], typer.Option("--strict", help="Stop at the first malformed row instead of "
                                                   "skipping and counting it.", rich_help_panel="Reading",
                                                   show_default=False)] = None,
    fields: Annotated[Optional[str], typer.Option(help="Text fields to join, comma-separated: title,body,answers "
                                                  "\\[default: all three]", rich_help_panel="Text")] = None,
    max_answers: Annotated[Optional[int], typer.Option(help="Join at most this many answers per question, best "
                                                       "score first \\[default: all]", rich_help_panel="Text")] = None,
    drop_code: Annotated[Optional[bool], typer.Option("--drop-code/--keep-code", help="Drop <pre> code blocks "
                                                      "(inline <code> is kept) \\[default: keep]",
                                                      rich_help_panel="Text", show_default=False)] = None,
    dedupe: Annotated[Optional[bool], typer.Option("--dedupe/--no-dedupe", help="Drop questions identical to an "
                                                   "earlier one \\[default: dedupe]", rich_help_panel="Text",
                                                   show_default=False)] = None,
    top_n: Annotated[Optional[int], typer.Option(help="Keep the N most frequent tags (after exclusions) "
                                                 "\\[default: all]", rich_help_panel="Tags")] = None,
    exclude_tag: Annotated[Optional[list[str]], typer.Option(help="Tag to leave out (repeatable); the tutorial left "
                                                             "out 'python'", rich_help_panel="Tags")] = None,
    min_tag_count: Annotated[Optional[int], typer.Option(help="Keep only tags on at least this many questions "
                                                         f"\\[default: {P.min_tag_count}]", rich_help_panel="Tags")] = None,
    split: Annotated[Optional[str], typer.Option(help="iterative (stratified) | column (the data's own) | none "
                                                 f"\\[default: {P.split}]", rich_help_panel="Split")] = None,
    split_column: Annotated[Optional[str], typer.Option(help="Column holding train/validation/test with --split "
                                                        "column \\[default: split]", rich_help_panel="Split")] = None,
    split_ratios: Annotated[Optional[str], typer.Option(help="train,validation,test fractions \\[default: "
                                                        f"{','.join(f'{r:g}' for r in P.split_ratios)}]", rich_help_panel="Split")] = None,
    validation_fraction: Annotated[Optional[float], typer.Option(help="With --split column and no validation "
                                                                 "rows: the share of train carved out as a "
                                                                 "stratified validation split (0: none) "
                                                                 f"\\[default: {P.validation_fraction:g}]", rich_help_panel="Split")] = None,
    seed: Annotated[Optional[int], typer.Option(help=f"Random seed of the split \\[default: {P.seed}]",
                                                rich_help_panel="Split")] = None,
    tutorial_artifacts: Annotated[Optional[bool], typer.Option(
        "--tutorial-artifacts", help="Also write the 2018 tutorial's artifacts (label matrix .npy, class names, "
        "token lists) under OUT/tutorial/", rich_help_panel="Output", show_default=False)] = None,
    jobs: Annotated[Optional[int], typer.Option(help="Worker processes for cleaning; 0 = one per core "
                                                f"\\[default: {P.jobs}]", rich_help_panel="Output")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it already holds a dataset.",
                                        rich_help_panel="Output")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary; print only OUT.",
                                        rich_help_panel="Output")] = False,
    engine: Annotated[str, typer.Option(help="embedded (this process) | spark (Apache Spark: the full dump on a "
                                        "cluster; needs multilabeltext\\[spark]; splits by a hash of the id)",
                                        rich_help_panel="Engine")] = "embedded",
    spark_master: Annotated[Optional[str], typer.Option(help="Spark master URL with --engine spark \\[default: "
                                                        "local[*], or spark-submit's]", rich_help_panel="Engine")] = None,
    spark_conf: Annotated[Optional[list[str]], typer.Option(help="Spark setting key=value (repeatable), e.g. "
                                                            "spark.executor.memory=4g", rich_help_panel="Engine")] = None,
) -> None:
    from ..data.prepare import prepare
    from ..progress import set_quiet

    set_quiet(quiet)
    given = {
        "format": format, "encoding": encoding, "text_columns": text_column or None, "label_column": label_column,
        "id_column": id_column, "label_delimiter": label_delimiter, "html": html, "strict": strict,
        "fields": csv_list(fields), "max_answers": max_answers, "drop_code": drop_code, "dedupe": dedupe,
        "top_n": top_n, "exclude_tags": exclude_tag or None, "min_tag_count": min_tag_count, "split": split,
        "split_column": split_column, "split_ratios": _csv_ratios(split_ratios),
        "validation_fraction": validation_fraction, "seed": seed,
        "tutorial_artifacts": tutorial_artifacts, "jobs": jobs,
    }
    given = {k: v for k, v in given.items() if v is not None}
    base = run(PrepareConfig.from_toml, config) if config else PrepareConfig()
    settings = run(lambda: PrepareConfig.from_dict({**base.to_dict(), **given}, source="the command line"))
    if engine == "spark":
        from ..spark.prepare import prepare_spark
        from ..spark.session import parse_conf

        conf = run(parse_conf, spark_conf)
        result = run(prepare_spark, inputs, out, settings, force=force, master=spark_master, spark_conf=conf)
    elif engine == "embedded":
        result = run(prepare, inputs, out, settings, force=force)
    else:
        fail(MultilabeltextError(f"--engine must be embedded or spark, got {engine!r}.", fix="pass --engine spark."))
    if quiet:
        print(result.out)
        return
    from ..summary import print_prepare_summary

    print_prepare_summary(result)


def _csv_ratios(value: Optional[str]):
    if value is None:
        return None
    try:
        return [float(v) for v in value.split(",")]
    except ValueError:
        fail(MultilabeltextError(f"--split-ratios must be three numbers, got {value!r}.",
                                  fix="pass e.g. --split-ratios 0.8,0.1,0.1."))


app.command("prepare", help=PREPARE_HELP, no_args_is_help=True)(prepare_command)


def processing_main() -> None:
    """Entry point of ``processing.py``: the ``prepare`` command on its own, same options."""
    single = typer.Typer(add_completion=False, rich_markup_mode="rich", pretty_exceptions_enable=False)
    single.command(help=PREPARE_HELP, no_args_is_help=True)(prepare_command)
    from ..signals import terminate_like_interrupt

    terminate_like_interrupt()
    single()
