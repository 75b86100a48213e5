"""``multilabeltext word2vec``: train Word2Vec on dataset directories, or load vectors; query nearest words."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import Word2VecConfig
from ..errors import ConfigError
from .common import app, csv_list, fail, run

WORD2VEC_HELP = """Train Word2Vec word vectors on prepared datasets, or load existing vectors, and show nearest words.

Trains gensim's skip-gram Word2Vec (the 2018 tutorial's setup: 150 dimensions, window 10, min_count 2) on the \
[bold]train and validation[/bold] splits of one or more dataset directories (never on test text), tokenized \
with each dataset's own tokenizer, and writes OUT: vectors.npy (float32), vocab.json and word2vec.json \
(settings, corpus, timing). Nothing is pickled.

With [bold]--vectors[/bold] it loads vectors instead: such a directory, a word2vec text file (.txt/.vec, GloVe \
too) or binary file (.bin); gensim .kv/.model files are pickles and load only with --trust.

With [bold]--engine spark[/bold] Spark ML trains it instead (corpora past one machine), on the same tokens \
(each dataset's tokenizer runs in the executors) into the same OUT: --vector-size, --window, --min-count, \
--epochs (raised for small corpora alike), --seed and --max-vocab carry over, --workers is Spark's \
numPartitions. Spark ML trains skip-gram with hierarchical softmax: CBOW, negative sampling (negative), \
down-sampling (sample) and the corpus mode have no Spark equivalent and are refused unless left at their \
defaults.

[bold]Examples[/bold]

  Train on the so-titles sample and ask for the words nearest to 'sql':
  [cyan]multilabeltext word2vec data/so-titles --out models/w2v-titles --similar sql[/cyan]

  Transfer: one vocabulary from two datasets, training split only, one worker (reproducible):
  [cyan]multilabeltext word2vec data/so-titles data/pythonquestions-sample --out models/w2v --splits train --workers 1[/cyan]

  A corpus past one machine, on Spark ML (skip-gram, hierarchical softmax; the same vectors directory):
  [cyan]multilabeltext word2vec data/so-full --engine spark --spark-master yarn --out models/w2v-so[/cyan]

  Query saved (or downloaded) vectors:
  [cyan]multilabeltext word2vec --vectors models/w2v-titles --similar django --similar pandas --topn 5[/cyan]
  [cyan]multilabeltext word2vec --vectors GoogleNews-vectors-negative300.bin --similar python[/cyan]
"""

W = Word2VecConfig()  # every default shown below is the settings dataclass's
TRAINING_PANEL = "Training"


def word2vec_command(
    datasets: Annotated[Optional[list[Path]], typer.Argument(
        help="Dataset directories written by `multilabeltext prepare` to train on (leave out with --vectors).",
        show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Vectors directory to write when training "
                                                "(refused if it holds data, unless --force).",
                                                show_default=False)] = None,
    vectors: Annotated[Optional[Path], typer.Option(help="Load these vectors instead of training: a directory "
                                                    "written by --out, or a word2vec .txt/.vec/.bin file.",
                                                    show_default=False)] = None,
    similar: Annotated[Optional[list[str]], typer.Option(help="Print the words nearest to this one (repeatable); "
                                                         "after training or with --vectors.",
                                                         show_default=False)] = None,
    topn: Annotated[int, typer.Option(help="How many nearest words --similar prints.")] = 10,
    config: Annotated[Optional[Path], typer.Option(help="TOML file of word2vec options (a \\[word2vec] table or "
                                                   "top-level keys); options given here override it.",
                                                   rich_help_panel="Configuration")] = None,
    vector_size: Annotated[Optional[int], typer.Option(help=f"Dimensions of the vectors \\[default: {W.vector_size}]",
                                                       rich_help_panel=TRAINING_PANEL)] = None,
    window: Annotated[Optional[int], typer.Option(help=f"Context words on each side \\[default: {W.window}]",
                                                  rich_help_panel=TRAINING_PANEL)] = None,
    min_count: Annotated[Optional[int], typer.Option(help=f"Ignore words seen fewer times \\[default: {W.min_count}]",
                                                     rich_help_panel=TRAINING_PANEL)] = None,
    epochs: Annotated[Optional[int], typer.Option(help=f"Passes over the corpus, at least: small corpora get more, until {W.min_words:,} words are seen (up to {W.max_epochs}) \\[default: {W.epochs}]",
                                                  rich_help_panel=TRAINING_PANEL)] = None,
    workers: Annotated[Optional[int], typer.Option(help="Training threads; 0 = one per core. 1 makes training "
                                                   "reproducible (several threads are not bit for bit) "
                                                   f"\\[default: {W.workers}]", rich_help_panel=TRAINING_PANEL)] = None,
    seed: Annotated[Optional[int], typer.Option(help=f"Random seed \\[default: {W.seed}]",
                                                rich_help_panel=TRAINING_PANEL)] = None,
    splits: Annotated[Optional[str], typer.Option(help="Dataset splits to train on, comma-separated: train, "
                                                  f"validation (test is refused) \\[default: {','.join(W.splits)}]",
                                                  rich_help_panel=TRAINING_PANEL)] = None,
    max_vocab: Annotated[Optional[int], typer.Option(help="Keep at most this many words, most frequent first "
                                                     "\\[default: no limit]", rich_help_panel=TRAINING_PANEL)] = None,
    sg: Annotated[Optional[bool], typer.Option("--skip-gram/--cbow", help="Skip-gram (the tutorial's) or CBOW "
                                               "\\[default: skip-gram]", rich_help_panel=TRAINING_PANEL,
                                               show_default=False)] = None,
    corpus: Annotated[Optional[str], typer.Option(help="auto | memory (tokenize once, keep in RAM) | file "
                                                  "(tokenize once to a temporary file) | stream (re-read every "
                                                  "pass) \\[default: auto: memory up to 200 MB of text]",
                                                  rich_help_panel=TRAINING_PANEL)] = None,
    trust: Annotated[bool, typer.Option("--trust", help="Allow loading gensim .kv/.model files, which are "
                                        "pickles: only for files from a source you trust.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it already holds word vectors.")] = False,
    engine: Annotated[str, typer.Option(help="embedded (gensim, this machine) | spark (Spark ML skip-gram for corpora "
                                        "past one machine; needs multilabeltext\\[spark]; hierarchical softmax: "
                                        "--cbow and non-default negative, sample or corpus are refused; --workers is "
                                        "its numPartitions, 0 = one per core)", rich_help_panel="Engine")] = "embedded",
    spark_master: Annotated[Optional[str], typer.Option(help="Spark master URL with --engine spark \\[default: "
                                                        "local[*], or spark-submit's]", rich_help_panel="Engine")] = None,
    spark_conf: Annotated[Optional[list[str]], typer.Option(help="Spark setting key=value (repeatable), e.g. "
                                                            "spark.executor.memory=4g", rich_help_panel="Engine")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary; print only OUT, and "
                                        "--similar results as query<TAB>word<TAB>similarity lines.")] = False,
) -> None:
    from ..progress import set_quiet

    set_quiet(quiet)
    given = {
        "vector_size": vector_size, "window": window, "min_count": min_count, "epochs": epochs, "workers": workers,
        "seed": seed, "splits": csv_list(splits), "max_vocab": max_vocab,
        "sg": None if sg is None else int(sg), "corpus": corpus,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if datasets and vectors:
        fail(ConfigError("give dataset directories to train on, or --vectors to load, not both.",
                         fix="drop --vectors to train, or the dataset directories to query existing vectors."))
    if not datasets and not vectors:
        fail(ConfigError("nothing to do: no dataset directory and no --vectors given.",
                         fix="train with `multilabeltext word2vec DATASET_DIR --out DIR`, or query with "
                             "`multilabeltext word2vec --vectors DIR --similar WORD`."))
    if similar and (topn < 1):
        fail(ConfigError(f"--topn must be a positive number of words, got {topn}.", fix="pass --topn 10, say."))

    from .. import embeddings as emb

    if engine not in ("embedded", "spark"):
        fail(ConfigError(f"--engine must be embedded or spark, got {engine!r}.", fix="pass --engine spark."))
    if vectors:
        unused = [f"--{k.replace('_', '-')}" for k in given] + (["--config"] if config else []) \
            + (["--out"] if out else []) + (["--force"] if force else []) \
            + (["--engine"] if engine != "embedded" else []) + (["--spark-master"] if spark_master else []) \
            + (["--spark-conf"] if spark_conf else [])
        if unused:
            fail(ConfigError(f"these options apply only to training: {', '.join(unused)}; with --vectors nothing "
                             "is trained.",
                             fix="drop them, or pass dataset directories instead of --vectors to train."))
        kv = run(emb.load_vectors, vectors, trust=trust)
        if not similar:
            if quiet:
                print(f"{len(kv)}\t{kv.vector_size}")
            else:
                _print_vectors_summary(kv, f"Vectors {vectors}")
    else:
        if out is None:
            fail(ConfigError("training needs an output directory.", fix="pass --out DIR (e.g. --out models/w2v)."))
        base = run(emb.Word2VecConfig.from_toml, config) if config else emb.Word2VecConfig()
        settings = run(lambda: emb.Word2VecConfig.from_dict({**base.to_dict(), **given}, source="the command line"))
        from ..data.dataset import read_manifest

        for dataset in datasets:
            run(read_manifest, dataset)
        from ..outputs import claim_output

        with run(claim_output, out, inputs=datasets):  # one run per output, taken before any work
            run(emb.check_vectors_out, out, force=force)
            if engine == "spark":
                from ..spark.session import parse_conf
                from ..spark.word2vec import train_word2vec_spark

                kv = run(train_word2vec_spark, datasets, settings, master=spark_master,
                         spark_conf=run(parse_conf, spark_conf))
            else:
                kv = run(emb.train_word2vec, datasets, settings)
            run(emb.save_vectors, kv, out, force=force)
        if quiet:
            print(out)
        else:
            _print_vectors_summary(kv, f"Word2Vec vectors written to {out}")

    if similar:
        results = [(word, run(emb.most_similar, kv, word, topn)) for word in similar]
        for word, neighbours in results:
            _print_similar(word, neighbours, quiet)


def _print_vectors_summary(kv, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    meta = getattr(kv, "metadata", None) or {}
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value")
    table.add_row("vocabulary", f"{len(kv):,} words")
    table.add_row("dimensions", f"{kv.vector_size}")
    corpus = meta.get("corpus") or {}
    for ds in corpus.get("datasets", []):
        table.add_row(f"trained on {ds['path']}",
                      f"{', '.join(ds['splits'])}: {ds['documents']:,} documents, {ds['tokens']:,} tokens")
    if corpus:
        table.add_row("tokens", f"{corpus.get('tokens', 0):,}")
    cfg = meta.get("config") or {}
    training = meta.get("training") or {}
    if cfg:
        table.add_row("model", f"{'skip-gram' if cfg.get('sg') else 'CBOW'}, window {cfg.get('window')}, "
                               f"min_count {cfg.get('min_count')}, {_epochs_text(cfg, training)}")
    if training:
        table.add_row("training", f"{training['seconds']:,.1f} s ({training['total_seconds']:,.1f} s with "
                                  f"tokenizing), {training['workers']} worker(s), corpus {training['mode']}")
        table.add_row("[bold]words/s[/bold]", f"[bold]{training['words_per_second']:,.0f}[/bold] "
                      f"({training['effective_words_per_second']:,.0f} after min_count and down-sampling)")
    source = meta.get("source")
    if source:
        table.add_row("source", f"{source['path']} ({source['format']})")
    Console().print(table)


def _epochs_text(cfg: dict, training: dict) -> str:
    """The epochs that ran (what the progress bar counted), and why when a small corpus got more than asked.

    Example:
        >>> _epochs_text({"epochs": 5, "min_words": 3_000_000}, {"epochs": 16})
        '16 epochs (--epochs 5, raised for a small corpus until 3,000,000 words are seen)'
        >>> _epochs_text({"epochs": 1}, {"epochs": 1})
        '1 epoch'
    """
    asked = cfg.get("epochs")
    ran = training.get("epochs", asked)
    text = f"{ran} epoch{'s' if ran != 1 else ''}"
    if ran != asked:
        text += f" (--epochs {asked}, raised for a small corpus until {cfg.get('min_words', 0):,} words are seen)"
    return text


def _print_similar(word: str, neighbours: list[tuple[str, float]], quiet: bool) -> None:
    if quiet:
        for other, score in neighbours:
            print(f"{word}\t{other}\t{score:.4f}")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Nearest to '{word}'", title_justify="left", header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("word")
    table.add_column("cosine similarity", justify="right")
    for rank, (other, score) in enumerate(neighbours, 1):
        table.add_row(str(rank), other, f"{score:.3f}")
    Console().print(table)


app.command("word2vec", help=WORD2VEC_HELP, no_args_is_help=True)(word2vec_command)
