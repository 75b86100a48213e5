"""Word vectors: train gensim Word2Vec on prepared datasets, or load existing vectors; save them safely.

The 2018 tutorial trained a skip-gram Word2Vec (150 dimensions, window 10, min_count 2) on its questions;
:func:`train_word2vec` does the same on the *training* splits of one or more dataset directories
(train + validation by default; ``test`` is refused, so no test text ever shapes the features a model is
later scored with), each tokenized with the tokenizer saved in its own ``manifest.json``.

Vectors directory (format version 1), the default and safe format, written atomically::

    DIR/vectors.npy     float32 matrix, one row per word (read with np.load(..., allow_pickle=False))
    DIR/vocab.json      the words, in row order (most frequent first)
    DIR/word2vec.json   settings, corpus (datasets, splits, documents, tokens, tokenizer), training time,
                        words/s, library versions, file hashes

:func:`load_vectors` also reads word2vec text (``.txt``/``.vec``, with or without the ``COUNT DIM`` header
line, so GloVe files too) and binary (``.bin``) files, optionally gzipped. gensim's own ``.kv``/``.model``
files are pickles, and unpickling runs code from the file, so they load only with ``trust=True``.

Corpus modes (:attr:`Word2VecConfig.corpus`). gensim reads the corpus ``epochs + 1`` times (one pass builds
the vocabulary), so re-reading and re-tokenizing the Parquet files on every pass is wasted work when the
tokens fit in memory:

* ``memory``: tokenize once, keep the token lists (each distinct token string is stored once, so the
  cache costs about 8 bytes per token plus one list per document);
* ``file``: tokenize once into a temporary one-document-per-line text file and train with gensim's
  ``corpus_file`` mode (C++ readers, no Python in the loop: constant memory, and it scales with cores);
  the file is about as large as the text and lives in the system temporary directory (``TMPDIR``);
* ``stream``: re-read the Parquet files in batches and re-tokenize on every pass (constant memory, no disk);
* ``auto`` (default): ``memory`` up to 200 MB of text in the chosen splits, ``file`` beyond.

Reproducibility: with ``workers=1`` and the same ``seed``, data, corpus mode and gensim version, training
gives the same vectors bit for bit (``memory`` and ``stream`` even give the same vectors as each other;
``file`` mode batches the corpus its own way, so its vectors differ from theirs). With several workers gensim's threads race on shared weights and the order of updates varies, so results differ
slightly from run to run (the quality does not).

Example:
    >>> Word2VecConfig().to_dict()["vector_size"], Word2VecConfig().splits
    (150, ('train', 'validation'))
    >>> import tempfile
    >>> from multilabeltext.config import PrepareConfig
    >>> from multilabeltext.data.prepare import prepare
    >>> from multilabeltext.progress import quiet
    >>> work = tempfile.mkdtemp()
    >>> with quiet():
    ...     _ = prepare(["../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml"], work + "/beer", PrepareConfig(top_n=5))
    ...     kv = train_word2vec([work + "/beer"], Word2VecConfig(vector_size=20, min_words=0, workers=1))
    ...     _ = save_vectors(kv, work + "/w2v-beer")
    >>> vectors = load_vectors(work + "/w2v-beer")
    >>> vectors.vector_size, "hops" in vectors, len(most_similar(vectors, "hops", topn=3))
    (20, True, 3)
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .config import WORD2VEC_SPLITS, TokenizerConfig, Word2VecConfig, is_int
from .errors import ConfigError, DatasetFormatError, EmptyDatasetError, InputNotFoundError, MultilabeltextError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

FORMAT_NAME = "multilabeltext-vectors"
FORMAT_VERSION = 1
VECTORS = "vectors.npy"
VOCAB = "vocab.json"
METADATA = "word2vec.json"
PAD = "<pad>"

MEMORY_LIMIT_BYTES = 200 * 1024 * 1024  # text in the chosen splits up to which ``auto`` caches tokens in memory
BATCH_ROWS = 4096  # Parquet rows read and tokenized at a time

TEXT_SUFFIXES = (".txt", ".vec")
BINARY_SUFFIXES = (".bin",)
PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle", ".wv")
COMPRESSED_SUFFIXES = (".gz", ".bz2")
ACCEPTED = ("a vectors directory written by `multilabeltext word2vec --out DIR`, a word2vec text file "
            "(.txt/.vec), or a word2vec binary file (.bin)")


class VectorsError(MultilabeltextError):
    """Word vectors cannot be read, written or queried (bad file, out-of-vocabulary word, existing output)."""


# ------------------------------------------------------------------------------------------- settings



# --------------------------------------------------------------------------------------------- corpus


@dataclass
class _Source:
    dataset: Path
    split: str
    path: Path | None  # None: the split file does not exist (an empty split)
    rows: int
    text_bytes: int
    tokenizer: Any


class TokenCorpus:
    """Restartable iterable of token lists: the chosen splits of each dataset, read in Parquet batches.

    Each dataset is tokenized with the tokenizer settings saved in its ``manifest.json``. Iterating reads the
    files again (constant memory); :meth:`cached` and :meth:`write_lines` tokenize once. Every full pass
    counts documents and tokens per dataset and split (:attr:`counts`).

    Example:
        >>> import tempfile
        >>> from multilabeltext.config import PrepareConfig
        >>> from multilabeltext.data.prepare import prepare
        >>> from multilabeltext.progress import quiet
        >>> out = tempfile.mkdtemp() + "/beer"
        >>> with quiet():
        ...     _ = prepare(["../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml"], out, PrepareConfig(top_n=5))
        >>> next(iter(TokenCorpus([out], splits=("train",))))[:6]
        ['reduced', 'alcoholic', 'beer', 'made', 'low', 'alcohol']
    """

    def __init__(self, datasets: Sequence[str | Path], splits: Sequence[str] = WORD2VEC_SPLITS,
                 batch_rows: int = BATCH_ROWS):
        import pyarrow.parquet as pq

        from .data.dataset import read_manifest, split_file
        from .data.tokenizer import Tokenizer

        self.batch_rows = batch_rows
        self.splits = tuple(splits)
        self.sources: list[_Source] = []
        self.tokenizers: dict[str, dict] = {}
        self.manifests: dict[str, dict] = {}
        for dataset in datasets:
            dataset = Path(dataset)
            manifest = read_manifest(dataset)
            settings = TokenizerConfig.from_dict(manifest.get("tokenizer") or {}, source=f"{dataset}/manifest.json")
            tokenizer = Tokenizer(settings)
            self.tokenizers[str(dataset)] = settings.to_dict()
            self.manifests[str(dataset)] = manifest
            for split in self.splits:
                path = split_file(dataset, split)
                if not path.exists():
                    self.sources.append(_Source(dataset, split, None, 0, 0, tokenizer))
                    continue
                try:
                    meta = pq.ParquetFile(path).metadata
                    names = meta.schema.names
                    if "text" not in names:
                        raise DatasetFormatError(f"{split}.parquet has no 'text' column.", path=path,
                                                 fix="prepare the dataset again with `multilabeltext prepare --force`.")
                    text_col = names.index("text")
                    text_bytes = sum(meta.row_group(i).column(text_col).total_uncompressed_size
                                     for i in range(meta.num_row_groups))
                except OSError as exc:
                    raise DatasetFormatError(f"{split}.parquet is not a readable Parquet file ({exc}).", path=path,
                                             fix="prepare the dataset again with `multilabeltext prepare --force`.")\
                        from None
                self.sources.append(_Source(dataset, split, path, meta.num_rows, text_bytes, tokenizer))
        self.counts: dict[tuple[str, str], dict[str, int]] = {}

    @property
    def rows(self) -> int:
        """Documents (rows) in the chosen splits, from the Parquet metadata."""
        return sum(s.rows for s in self.sources)

    @property
    def text_bytes(self) -> int:
        """Uncompressed size of the text column in the chosen splits (what ``auto`` decides by)."""
        return sum(s.text_bytes for s in self.sources)

    def _batches(self, source: _Source) -> Iterator[list[list[str]]]:
        import pyarrow.parquet as pq

        if source.path is None:
            return
        for batch in pq.ParquetFile(source.path).iter_batches(batch_size=self.batch_rows, columns=["text"]):
            yield source.tokenizer.batch(batch.column(0).to_pylist())

    def batches(self, progress=None) -> Iterator[list[list[str]]]:
        """Token lists in batches, dataset by dataset and split by split; ``progress.advance`` per row."""
        for source in self.sources:
            documents = tokens = 0
            for batch in self._batches(source):
                documents += len(batch)
                tokens += sum(map(len, batch))
                if progress is not None:
                    progress.advance(len(batch))
                yield batch
            self.counts[(str(source.dataset), source.split)] = {"documents": documents, "tokens": tokens}

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self.batches():
            yield from batch

    def cached(self, progress=None) -> list[list[str]]:
        """Every document's tokens, tokenized once (each distinct token string is stored once)."""
        pool: dict[str, str] = {}
        intern = pool.setdefault
        return [[intern(t, t) for t in doc] for batch in self.batches(progress) for doc in batch]

    def write_lines(self, path: str | Path, progress=None) -> Path:
        """Write one document per line, tokens separated by spaces (gensim's ``LineSentence`` format).

        Tokens never contain whitespace (see the tokenizer's pattern), so the file is lossless. Empty
        documents are left out: they carry nothing to learn.
        """
        path = Path(path)
        with open(path, "w", encoding="utf-8") as f:
            for batch in self.batches(progress):
                f.writelines(" ".join(doc) + "\n" for doc in batch if doc)
        return path

    def summary(self) -> list[dict]:
        """Per dataset: path, splits, documents, tokens (of the last full pass), tokenizer, manifest hash."""
        from .data.dataset import MANIFEST
        from .safefiles import sha256_file

        out = []
        for dataset, tokenizer in self.tokenizers.items():
            parts = {split: self.counts.get((dataset, split), {"documents": 0, "tokens": 0}) for split in self.splits}
            out.append({
                "path": dataset,
                "splits": list(self.splits),
                "documents": sum(p["documents"] for p in parts.values()),
                "tokens": sum(p["tokens"] for p in parts.values()),
                "per_split": parts,
                "tokenizer": tokenizer,
                "manifest_sha256": sha256_file(Path(dataset) / MANIFEST),
            })
        return out


# ------------------------------------------------------------------------------------------- training


def corpus_totals(corpus: TokenCorpus, config: Word2VecConfig, datasets) -> tuple[int, int]:
    """(documents, tokens) the last full pass over ``corpus`` counted; an error when there is no token to train
    on (both engines, embedded and Spark, check the same way)."""
    documents = sum(c["documents"] for c in corpus.counts.values())
    tokens = sum(c["tokens"] for c in corpus.counts.values())
    if tokens == 0:
        raise EmptyDatasetError(f"the {', '.join(config.splits)} split(s) hold no tokens to train on.",
                                path=datasets[0] if len(datasets) == 1 else None,
                                fix="check that the dataset has text (see its manifest.json).")
    return documents, tokens


def _resolve_mode(config: Word2VecConfig, corpus: TokenCorpus) -> str:
    if config.corpus != "auto":
        return config.corpus
    return "memory" if corpus.text_bytes <= MEMORY_LIMIT_BYTES else "file"


def _epoch_callback(bar, epochs: int, words_per_epoch: int):
    """A gensim callback advancing ``bar`` once per epoch and showing that epoch's words/s."""
    from gensim.models.callbacks import CallbackAny2Vec

    class EpochProgress(CallbackAny2Vec):
        def __init__(self):
            self.epoch = 0
            self.started = 0.0
            self.rates: list[float] = []

        def on_epoch_begin(self, model):
            self.started = time.perf_counter()

        def on_epoch_end(self, model):
            self.epoch += 1
            rate = words_per_epoch / max(time.perf_counter() - self.started, 1e-9)
            self.rates.append(rate)
            bar.update(description=f"Word2Vec epoch {self.epoch}/{epochs}, {rate:,.0f} words/s")
            bar.advance(1)

    return EpochProgress()


def train_word2vec(datasets: Sequence[str | Path] | str | Path, config: Word2VecConfig | None = None) -> KeyedVectors:
    """Train Word2Vec on the chosen (training) splits of one or more dataset directories.

    Several datasets are read one after the other into one corpus (transfer: e.g. so-titles +
    pythonquestions-sample). Progress goes through :mod:`multilabeltext.progress` (one step per epoch,
    with words/s). Returns gensim ``KeyedVectors`` whose ``metadata`` attribute (a dict) records the
    settings, the corpus (datasets, splits, documents, tokens, tokenizer) and the training time and speed;
    :func:`save_vectors` writes it to ``word2vec.json``.

    Raises:
        ConfigError: a bad setting (e.g. the test split).
        DatasetFormatError: a path is not a dataset directory.
        EmptyDatasetError: the splits hold no text, or no word occurs ``min_count`` times.
    """
    from .progress import task

    config = config or Word2VecConfig()
    if isinstance(datasets, (str, Path)):
        datasets = [datasets]
    datasets = list(datasets)
    repeated = sorted({str(d) for d in datasets if sum(Path(e).resolve() == Path(d).resolve() for e in datasets) > 1})
    if repeated:
        raise ConfigError(f"dataset {', '.join(repeated)} is given more than once (its text would count twice).",
                          fix="pass each dataset directory once.")
    if not datasets:
        raise ConfigError("no dataset directory given.",
                          fix="pass one or more directories written by `multilabeltext prepare`.")
    corpus = TokenCorpus(datasets, config.splits)
    if corpus.rows == 0:
        raise EmptyDatasetError(f"the {', '.join(config.splits)} split(s) of {', '.join(map(str, datasets))} "
                                "hold no rows to train on.", fix="prepare with more data, or add --splits validation.")
    mode = _resolve_mode(config, corpus)
    workers = _resolve_workers(config.workers)

    from gensim import __version__ as gensim_version
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=config.vector_size, window=config.window, min_count=config.min_count, sg=config.sg,
                     negative=config.negative, hs=0, sample=config.sample, workers=workers, seed=config.seed,
                     epochs=config.epochs, max_final_vocab=config.max_vocab)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="multilabeltext-word2vec-") as tmp:
        source: dict[str, Any]
        if mode == "memory":
            with task("Tokenizing", total=corpus.rows) as bar:
                source = {"corpus_iterable": corpus.cached(bar)}
            model.build_vocab(**source)
        elif mode == "file":
            with task("Tokenizing to a corpus file", total=corpus.rows) as bar:
                source = {"corpus_file": str(corpus.write_lines(Path(tmp) / "corpus.txt", bar))}
            model.build_vocab(**source)
        else:
            with task("Counting words", total=corpus.rows) as bar:
                model.build_vocab(corpus_iterable=_Advancing(corpus, bar))
            source = {"corpus_iterable": corpus}
        documents, tokens = corpus_totals(corpus, config, datasets)
        if len(model.wv) == 0:
            raise EmptyDatasetError(f"no word occurs at least min_count={config.min_count} times in the "
                                    f"{tokens:,} tokens of the corpus.", fix="lower --min-count (1 keeps every word).")
        prepared = time.perf_counter()
        epochs = model.epochs = epochs_for(config, model.corpus_total_words)
        with task("Word2Vec", total=epochs) as bar:
            callback = _epoch_callback(bar, epochs, model.corpus_total_words)
            trained, raw = model.train(**source, total_examples=model.corpus_count,
                                       total_words=model.corpus_total_words, epochs=epochs,
                                       callbacks=[callback])
        finished = time.perf_counter()
    kv = model.wv
    kv.metadata = vectors_metadata(
        config, corpus, documents, tokens, mode=mode, workers=workers, epochs=epochs, raw_words=raw,
        effective_words=trained, seconds=finished - prepared, total_seconds=finished - started,
        words_per_second_by_epoch=[round(r, 1) for r in callback.rates], gensim_version=gensim_version)
    return kv


def vectors_metadata(config: Word2VecConfig, corpus: TokenCorpus, documents: int, tokens: int, *, mode: str,
                     workers: int, epochs: int, raw_words: int, effective_words: int, seconds: float,
                     total_seconds: float, **training) -> dict:
    """What a vectors directory's ``word2vec.json`` records of its training, the same for both engines:
    settings, corpus (datasets, splits, counts, tokenizer) and training (mode, workers, epochs, words, speed);
    ``training`` adds engine-specific entries at the end of the ``training`` table."""
    tokenizers = list({json.dumps(t, sort_keys=True): t for t in corpus.tokenizers.values()}.values())
    return {
        "config": config.to_dict(),
        "corpus": {
            "datasets": corpus.summary(),
            "splits": list(config.splits),
            "documents": documents,
            "tokens": tokens,
            "tokenizer": tokenizers[0] if len(tokenizers) == 1 else None,
        },
        "training": {
            "mode": mode,
            "workers": workers,
            "epochs": epochs,
            "raw_words": int(raw_words),
            "effective_words": int(effective_words),
            "seconds": round(seconds, 3),
            "total_seconds": round(total_seconds, 3),
            "words_per_second": round(raw_words / max(seconds, 1e-9), 1),
            "effective_words_per_second": round(effective_words / max(seconds, 1e-9), 1),
            "reproducible": workers == 1,
            **training,
        },
    }


def epochs_for(config: Word2VecConfig, corpus_words: int) -> int:
    """Epochs for a corpus: ``epochs``, raised until ``min_words`` words are seen, at most ``max_epochs``.

    Skip-gram vectors of a small corpus (12,000 cooking titles: 100,000 words) are poor after 5 passes;
    28 passes gave the ``lstm`` +0.03 micro-F1 on cooking. Large corpora keep ``epochs``.

    Example:
        >>> epochs_for(Word2VecConfig(), 100_000), epochs_for(Word2VecConfig(), 10_000_000)
        (30, 5)
        >>> epochs_for(Word2VecConfig(min_words=0), 100_000)
        5
    """
    if config.min_words <= 0 or corpus_words <= 0:
        return config.epochs
    return int(min(config.max_epochs, max(config.epochs, math.ceil(config.min_words / corpus_words))))


class _Advancing:
    """Iterate ``corpus`` advancing ``bar`` per batch (the vocabulary pass of ``stream`` mode)."""

    def __init__(self, corpus: TokenCorpus, bar):
        self.corpus, self.bar = corpus, bar

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self.corpus.batches(self.bar):
            yield from batch


def _resolve_workers(workers: int) -> int:
    from .parallel import resolve_jobs

    return resolve_jobs(workers)


# ------------------------------------------------------------------------------------------ save/load


def check_vectors_out(directory: str | Path, *, force: bool = False) -> Path:
    """Refuse an output path that holds other data (call it before a long training run).

    A non-empty directory is replaced only with ``force`` and only if it is a vectors directory, so
    ``--force`` never deletes a dataset or other files.
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise VectorsError("the output path exists and is a file.", path=out, fix="choose a directory path for --out.")
    if out.is_dir() and any(out.iterdir()):
        if not (out / METADATA).exists():
            raise VectorsError("the output directory holds files that are not word vectors; --force only replaces a "
                               "vectors directory, to never delete other data.", path=out,
                               fix="choose another --out directory, or empty this one yourself.")
        if not force:
            raise VectorsError("the output directory already holds word vectors.", path=out,
                               fix="pass --force to replace them, or choose another --out directory.")
    return out


def save_vectors(kv: KeyedVectors, directory: str | Path, *, metadata: dict | None = None,
                 force: bool = False) -> Path:
    """Write ``kv`` as a vectors directory (``vectors.npy``, ``vocab.json``, ``word2vec.json``), atomically.

    ``word2vec.json`` holds ``kv.metadata`` (set by :func:`train_word2vec` and :func:`load_vectors`) updated
    with ``metadata``, plus the format, sizes, versions and file hashes. Nothing is pickled. Returns the
    directory.
    """
    from .jsonfile import write_json
    from .outputs import replace_atomically
    from .safefiles import sha256_file

    out = check_vectors_out(directory, force=force)
    words = list(kv.index_to_key)
    if not all(isinstance(w, str) for w in words):
        raise VectorsError("the vectors' keys are not all words (strings).",
                           fix="save vectors keyed by words, e.g. trained with train_word2vec.")
    vectors = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    info = {**(getattr(kv, "metadata", None) or {}), **(metadata or {})}
    with replace_atomically(out) as tmp:
        np.save(tmp / VECTORS, vectors, allow_pickle=False)
        write_json(tmp / VOCAB, words)
        info = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "vocabulary_size": len(words),
            "vector_size": int(vectors.shape[1]) if vectors.ndim == 2 else int(kv.vector_size),
            **{k: v for k, v in info.items() if k not in ("format", "format_version", "vocabulary_size",
                                                              "vector_size", "files", "saved_with")},
            "files": {name: sha256_file(tmp / name) for name in (VECTORS, VOCAB)},
            "saved_with": {"multilabeltext": __version__, "numpy": np.__version__},
        }
        write_json(tmp / METADATA, info)
    kv.metadata = info
    return out


def _strip_compression(path: Path) -> str:
    name = path.name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return Path(name).suffix


def _sniff(path: Path) -> str:
    """``pickle``, ``text`` or ``binary`` for a file without a telling suffix (uncompressed only)."""
    with open(path, "rb") as f:
        head = f.read(8192)
    if head[:1] == b"\x80":
        return "pickle"
    first, _, rest = head.partition(b"\n")
    if re.fullmatch(rb"\s*\d+\s+\d+\s*", first) and rest:
        body = rest[:-8] if len(rest) > 8 else rest
        try:
            body.decode("utf-8")
            return "binary" if b"\x00" in body else "text"
        except UnicodeDecodeError:
            return "binary"
    try:
        head[:-8].decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown"


def _has_header(path: Path) -> bool:
    from gensim import utils

    with utils.open(str(path), "rb") as f:
        first = f.readline(4096)
    return re.fullmatch(rb"\s*\d+\s+\d+\s*", first) is not None


def load_vectors(path: str | Path, *, trust: bool = False) -> KeyedVectors:
    """Word vectors from a vectors directory, a word2vec text/binary file, or (``trust=True``) a gensim pickle.

    * a directory written by :func:`save_vectors` (nothing is unpickled);
    * ``.txt`` / ``.vec`` word2vec text (``COUNT DIM`` header optional, so GloVe files load too), ``.bin``
      word2vec binary, each optionally ``.gz`` / ``.bz2`` compressed;
    * ``.kv`` / ``.model`` (gensim's ``save()``): pickles, which can run arbitrary code when loaded; refused
      unless ``trust=True``. Convert them once from a trusted source instead (see the error's fix).

    The result's ``metadata`` attribute is the directory's ``word2vec.json`` (or says where the vectors came
    from). Raises :class:`~multilabeltext.errors.InputNotFoundError` or :class:`VectorsError`.
    """
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(path, fix=f"pass {ACCEPTED}.")
    if path.is_dir():
        return _load_directory(path)
    if path.name in (VECTORS, VOCAB, METADATA) and (path.parent / METADATA).is_file():
        return _load_directory(path.parent)  # a file of a vectors directory: the directory was meant
    suffix = _strip_compression(path)
    if suffix in PICKLE_SUFFIXES:
        kind = "pickle"
    elif suffix in TEXT_SUFFIXES:
        kind = "text"
    elif suffix in BINARY_SUFFIXES:
        kind = "binary"
    elif path.name.lower().endswith(COMPRESSED_SUFFIXES):
        raise VectorsError("cannot tell the format of this compressed file from its name.", path=path,
                           fix="name it .txt.gz / .vec.gz (word2vec text) or .bin.gz (word2vec binary).")
    else:
        kind = _sniff(path)
    if kind == "pickle":
        return _load_pickle(path, trust)
    if kind == "unknown":
        raise VectorsError("not a word vectors file (not word2vec text or binary).", path=path, fix=f"pass {ACCEPTED}.")
    return _load_word2vec_format(path, binary=kind == "binary")


def _load_word2vec_format(path: Path, binary: bool) -> KeyedVectors:
    from gensim.models import KeyedVectors

    kind = "binary" if binary else "text"
    no_header = False
    try:
        if not binary:
            no_header = not _has_header(path)
        kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header)
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, OSError) as exc:
        layout = ("a 'COUNT DIM' header line, then per word: the word, a space and DIM little-endian float32 "
                  "values" if binary else
                  "an optional 'COUNT DIM' header line, then one line per word: the word and DIM numbers, "
                  "separated by spaces")
        raise VectorsError(f"not a valid word2vec {kind} file ({type(exc).__name__}: {exc}).", path=path,
                           fix=f"check the file: word2vec {kind} is {layout}"
                               + (" (a binary file? name it .bin)." if not binary else
                                  " (a text file? name it .txt or .vec).")) from None
    if len(kv) == 0:
        raise VectorsError(f"the word2vec {kind} file holds no vectors.", path=path, fix=f"pass {ACCEPTED}.")
    kv.metadata = {"source": {"path": str(path), "format": f"word2vec-{kind}", "header": not no_header}}
    return kv


def _load_pickle(path: Path, trust: bool) -> KeyedVectors:
    if not trust:
        raise VectorsError(
            "this is a gensim save() file, which is a Python pickle: loading it can run any code stored in it, "
            "so it is not loaded by default.", path=path,
            fix="if you trust its source, pass --trust (trust=True in Python), or convert it once: "
                "KeyedVectors.load(path).save_word2vec_format('vectors.bin', binary=True), then pass vectors.bin.")
    from gensim.models import KeyedVectors, Word2Vec
    from gensim.utils import SaveLoad

    loader = Word2Vec if _strip_compression(path) == ".model" else SaveLoad
    try:
        obj = loader.load(str(path))
    except Exception as exc:  # unpickling raises anything: the file is the user's, the message theirs to read
        raise VectorsError(f"cannot load this gensim file ({type(exc).__name__}: {exc}).", path=path,
                           fix="check that it was written by gensim's save() (its .npy companions beside it), "
                               "or convert it to word2vec .bin where it was made.") from None
    kv = getattr(obj, "wv", obj)
    if not isinstance(kv, KeyedVectors):
        raise VectorsError(f"this gensim file holds a {type(obj).__name__}, not word vectors.", path=path,
                           fix="pass a saved Word2Vec model or KeyedVectors.")
    kv.metadata = {"source": {"path": str(path), "format": "gensim-pickle"}}
    return kv


def _load_directory(path: Path) -> KeyedVectors:
    from gensim.models import KeyedVectors

    fix = "pass a directory written by `multilabeltext word2vec ... --out DIR` (train again with --force if it is damaged)."
    missing = [name for name in (METADATA, VOCAB, VECTORS) if not (path / name).is_file()]
    if missing:
        if (path / "manifest.json").exists():
            raise VectorsError("this is a dataset directory, not word vectors.", path=path,
                               fix=f"train vectors on it first: multilabeltext word2vec {path} --out VECTORS_DIR.")
        raise VectorsError(f"not a vectors directory (no {', '.join(missing)}).", path=path, fix=fix)
    try:
        info = json.loads((path / METADATA).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VectorsError(f"{METADATA} is not valid JSON ({exc}).", path=path / METADATA, fix=fix) from None
    if not isinstance(info, dict) or info.get("format") != FORMAT_NAME:
        raise VectorsError(f"{METADATA} does not describe {FORMAT_NAME} vectors.", path=path / METADATA, fix=fix)
    if info.get("format_version") != FORMAT_VERSION:
        raise VectorsError(f"vectors format version {info.get('format_version')} is not supported (this "
                           f"multilabeltext reads version {FORMAT_VERSION}).", path=path / METADATA,
                           fix="train the vectors again with this version (--force).")
    try:
        words = json.loads((path / VOCAB).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VectorsError(f"{VOCAB} is not valid JSON ({exc}).", path=path / VOCAB, fix=fix) from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise VectorsError(f"{VOCAB} must be a list of words.", path=path / VOCAB, fix=fix)
    if len(set(words)) != len(words):
        raise VectorsError(f"{VOCAB} lists some words twice.", path=path / VOCAB, fix=fix)
    try:
        vectors = np.load(path / VECTORS, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise VectorsError(f"{VECTORS} is not a readable NumPy array ({exc}).", path=path / VECTORS, fix=fix) from None
    if vectors.ndim != 2 or not np.issubdtype(vectors.dtype, np.floating):
        raise VectorsError(f"{VECTORS} must be a 2-D float matrix, found shape {vectors.shape} of {vectors.dtype}.",
                           path=path / VECTORS, fix=fix)
    if vectors.shape[0] != len(words):
        raise VectorsError(f"{VECTORS} has {vectors.shape[0]:,} rows but {VOCAB} lists {len(words):,} words.",
                           path=path, fix=fix)
    kv = KeyedVectors(vector_size=int(vectors.shape[1]), count=0, dtype=np.float32)
    kv.index_to_key = words
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    kv.vectors = vectors.astype(np.float32, copy=False)
    kv.metadata = info
    return kv


# -------------------------------------------------------------------------------------------- queries


def suggest_words(kv: KeyedVectors, word: str, n: int = 5) -> list[str]:
    """Vocabulary words close to ``word``: sharing its longest prefix (most frequent first), or spelled alike."""
    import difflib

    query = word.lower()
    vocab = kv.index_to_key
    found: list[str] = []
    for length in range(len(query), 1, -1):
        prefix = query[:length]
        found = [w for w in vocab if isinstance(w, str) and w.lower().startswith(prefix) and w != word][:n]
        if found:
            break
    common = [w for w in vocab[:100_000] if isinstance(w, str)]
    for w in difflib.get_close_matches(query, common, n=n, cutoff=0.75):
        if w not in found and w != word:
            found.append(w)
    return found[:n]


def most_similar(kv: KeyedVectors, word: str, topn: int = 10) -> list[tuple[str, float]]:
    """The ``topn`` nearest words to ``word`` by cosine similarity, nearest first.

    A word missing from the vocabulary is looked up lowercased too (the shared tokenizer lowercases by
    default, so ``SQL`` finds ``sql``); if neither is there, :class:`VectorsError` suggests close words.
    """
    if not is_int(topn) or topn < 1:
        raise ConfigError(f"topn must be a positive number of words, got {topn!r}.", fix="pass --topn 10, say.")
    key = word if word in kv.key_to_index else word.lower()
    if key not in kv.key_to_index:
        close = suggest_words(kv, word)
        min_count = ((getattr(kv, "metadata", None) or {}).get("config") or {}).get("min_count")
        rare = (f"words seen fewer than min_count={min_count} times were dropped in training (lower --min-count "
                "to keep them)") if min_count and min_count > 1 else "the training text may not contain it"
        fix = (f"try one of: {', '.join(close)}; or {rare}." if close else
               f"pick a word from the training text; {rare}.")
        raise VectorsError(f"{word!r} is not in the vocabulary ({len(kv):,} words).", fix=fix)
    return [(w, float(s)) for w, s in kv.most_similar(key, topn=topn)]


def embedding_matrix(kv: KeyedVectors, vocabulary: Sequence[str], *, seed: int = 13,
                     oov_std: float = 0.01) -> np.ndarray:
    """A ``len(vocabulary) x vector_size`` float32 matrix for a Keras ``Embedding`` layer, rows aligned to ``vocabulary``.

    Known words get their vectors; unknown ones small random normal rows (std ``oov_std``, the same for the
    same ``seed`` and position); row 0 is all zeros when ``vocabulary[0] == "<pad>"`` (the padding index).

    Example:
        >>> from gensim.models import KeyedVectors
        >>> kv = KeyedVectors(vector_size=2)
        >>> kv.add_vectors(["sql", "mysql"], np.array([[1.0, 0.0], [0.9, 0.1]]))
        >>> m = embedding_matrix(kv, ["<pad>", "mysql", "unseen"])
        >>> m.shape, m[0].tolist(), bool((m[1] == kv["mysql"]).all()), bool(abs(m[2]).max() < 0.1)
        ((3, 2), [0.0, 0.0], True, True)
    """
    vocabulary = list(vocabulary)
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, oov_std, size=(len(vocabulary), kv.vector_size)).astype(np.float32)
    rows = np.array([kv.key_to_index.get(w, -1) for w in vocabulary], dtype=np.int64)
    known = rows >= 0
    if known.any():
        matrix[known] = kv.vectors[rows[known]]
    if vocabulary and vocabulary[0] == PAD:
        matrix[0] = 0.0
    return matrix
