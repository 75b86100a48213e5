"""``tree``: the ``linear`` model's TF-IDF n-grams into Omikuji's label trees (Parabel / Bonsai): cheap with many tags.

One-vs-rest models (``linear``, and ``mlp``'s output layer) learn every tag from every row, so training grows with
rows x tags. `Omikuji <https://github.com/tomtung/omikuji>`_ (the extreme multi-label library Annif uses) clusters
the tags into a few balanced trees (``n_trees``, 2-way k-means of the tags' mean feature vectors) and trains, at
each node, linear classifiers on the rows whose tags are below it only; a text is scored by a beam search down the
trees (``beam_size``), so only the ``top_k`` best tags of a text get a score (the others score 0). Its decision
rule is tuned like every model's, on the validation split's scores (:mod:`multilabeltext.thresholds`).

Measured by ``bench/bench_cost.py`` (``bench/README.md``, "Cost as tags grow"): on cooking (735 tags) P@1 0.724
on average over 6 fits against ``linear``'s 0.730 and P@3 within 0.003, for 8-9% of its training CPU time and a
12x smaller model; micro-F1 about 0.01 lower. At 1,000 tags it trains in a few CPU seconds where ``linear``'s
cost grows with every tag. It predicts more slowly than ``linear`` at these sizes (a beam search per text, not
one matrix product: 470-900 texts per CPU second on cooking, against ``linear``'s ~14,000; with
``n_trees = 1`` 3,100-3,800, for P@1 -0.014 and P@3 -0.011 against ``linear``) and it cannot learn from
auxiliary rows (no per-row weights). ``linear`` stays the default; ``tree`` is worth it from about 1,000 tags,
when training time, memory or model size bind.

Needs the ``omikuji`` package (``pip install 'multilabeltext[tree]'``; ``requirements.txt`` pins it). Omikuji 0.5
takes no seed, so two fits of the same rows can differ slightly (P@1 0.719-0.729 over 6 fits on cooking); a saved
model predicts the same numbers every time. Saved as the features' JSON vocabularies and ``.npy`` idf arrays plus
Omikuji's own model directory, ``omikuji/`` (``settings.json`` and one ``tree<i>.cbor`` per tree: CBOR written and
read by the Rust library with serde, never pickle).

Example:
    >>> m = TreeModel(char_ngrams=None).fit(["numpy arrays", "pandas frames"] * 5, [[1, 0], [0, 1]] * 5,
    ...                                    labels=["numpy", "pandas"])
    >>> m.predict(["arrays in numpy"], threshold=0.5).tolist()
    [[True, False]]
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import check
from ..errors import ConfigError, MultilabeltextError
from .base import TagModel
from .tfidf import TfidfFeatures, TfidfSettings

OMIKUJI_DIR = "omikuji"  # Omikuji's own model directory inside the model's weights
LOSSES = ("hinge", "log")


@dataclass(frozen=True)
class TreeConfig(TfidfSettings):
    """Settings of the ``tree`` model: ``linear``'s TF-IDF features (:class:`~.tfidf.TfidfSettings`) and Omikuji's."""

    section: ClassVar[str] = "tree"
    min_df: int = 1  # as linear: every n-gram seen in training is a feature
    n_trees: int = 3  # Omikuji's default (Parabel used 3)
    min_branch_size: int = 100  # a node with at most this many tags is a leaf (one classifier per tag)
    max_depth: int = 20
    cluster_k: int = 2  # children per node (2: Parabel; more: Bonsai-like shallow trees)
    loss: str = "hinge"  # the node classifiers' loss: hinge | log
    C: float = 1.0  # the node classifiers' regularization (liblinear's C)
    max_iter: int = 20  # the node classifiers' solver passes
    weight_threshold: float = 0.1  # weights below this are dropped (smaller model)
    beam_size: int = 10  # nodes kept per tree level when predicting
    top_k: int = 20  # tags scored per text (the others score 0); at least what min_tags needs
    jobs: int = 0  # threads; 0 = one per core

    def __post_init__(self):
        super().__post_init__()
        for name in ("n_trees", "min_branch_size", "max_depth", "max_iter", "beam_size", "top_k"):
            value = getattr(self, name)
            check(isinstance(value, int) and value >= 1, f"{name} must be a whole number >= 1, got {value!r}.",
                  f"use {name} = {getattr(TreeConfig, name)}.")
        check(isinstance(self.cluster_k, int) and self.cluster_k >= 2,
              f"cluster_k must be a whole number >= 2, got {self.cluster_k!r}.", "use cluster_k = 2.")
        check(self.loss in LOSSES, f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}.", 'use loss = "hinge".')
        check(self.C > 0, f"C must be > 0, got {self.C!r}.", "use C = 1.0.")
        check(self.weight_threshold >= 0, f"weight_threshold must be >= 0, got {self.weight_threshold!r}.",
              "use weight_threshold = 0.1.")
        check(isinstance(self.jobs, int) and self.jobs >= 0, f"jobs must be a whole number >= 0, got {self.jobs!r}.",
              "use jobs = 0 (one per core).")


class TreeModel(TagModel):
    """TF-IDF features, Omikuji label trees (beam search), scores of the ``top_k`` best tags per text."""

    name = "tree"
    Config = TreeConfig

    def _fit(self, texts, Y, validation):
        from ..parallel import resolve_jobs
        from ..progress import status

        omikuji = import_omikuji()
        cfg = self.config
        self.features_ = TfidfFeatures(cfg, self.tokenizer_)
        X = self.features_.fit_transform(texts)
        hyper = omikuji.Model.default_hyper_param()
        hyper.n_trees, hyper.min_branch_size, hyper.max_depth = cfg.n_trees, cfg.min_branch_size, cfg.max_depth
        hyper.cluster_k = cfg.cluster_k
        hyper.linear_loss_type = (omikuji.LossType.HINGE if cfg.loss == "hinge" else omikuji.LossType.LOG).value
        hyper.linear_c, hyper.linear_max_iter = cfg.C, cfg.max_iter
        hyper.linear_weight_threshold = cfg.weight_threshold
        tagged = int((Y > 0).any(axis=1).sum())
        status(f"tree: {tagged:,} tagged texts, {X.shape[1]:,} features, {Y.shape[1]:,} tags, {cfg.n_trees} trees")
        with tempfile.TemporaryDirectory(prefix="multilabeltext-tree-") as tmp:
            path = Path(tmp) / "train.txt"
            write_xmc(path, X, Y)
            with omikuji_output("training the label trees"):
                self.model_ = omikuji.Model.train_on_data(str(path), hyper, n_threads=resolve_jobs(cfg.jobs))
        self._start_prediction()

    def _start_prediction(self) -> None:
        from ..parallel import resolve_jobs

        self.model_.init_prediction_thread_pool(resolve_jobs(self.config.jobs))

    def _predict_proba(self, texts):
        X = self.features_.transform(texts)
        from ..parallel import resolve_jobs

        return predict_scores(self.model_, X, len(self.labels_), self.config.top_k, self.config.beam_size,
                              jobs=resolve_jobs(self.config.jobs))

    def _save(self, directory: Path) -> None:
        self.features_.save(directory)
        with omikuji_output(f"saving the label trees to {directory / OMIKUJI_DIR}"):
            self.model_.save(str(directory / OMIKUJI_DIR))

    def _load(self, directory: Path) -> None:
        omikuji = import_omikuji()
        self.features_ = TfidfFeatures.load(self.config, self.tokenizer_, directory)
        trees = directory / OMIKUJI_DIR
        if not (trees / "settings.json").is_file():
            raise MultilabeltextError("no Omikuji model here (settings.json is missing).", path=trees,
                                      fix="train the model again (multilabeltext train ... --model tree).")
        with omikuji_output(f"loading the label trees from {trees}"):
            self.model_ = omikuji.Model.load(str(trees))  # Rust serde: settings.json + tree<i>.cbor, no pickle
        if self.model_.n_features != self.features_.n_features:
            raise MultilabeltextError(f"the label trees expect {self.model_.n_features:,} features, the saved "
                                      f"vocabulary gives {self.features_.n_features:,}.", path=trees,
                                      fix="the model directory is damaged: train the model again.")
        self._start_prediction()


def import_omikuji():
    """The ``omikuji`` module, or a :class:`ConfigError` saying how to install it."""
    try:
        import omikuji
    except ImportError as exc:
        raise ConfigError(f"the tree model needs the omikuji package, which is not installed ({exc}).",
                          fix="pip install 'multilabeltext[tree]' (or pip install -r requirements.txt), "
                              "or use another model (--model linear).") from exc
    return omikuji


@contextlib.contextmanager
def omikuji_output(what: str):
    """Run an Omikuji call with its Rust log lines and progress bars (written straight to the process's
    stdout / stderr) sent to a temporary file: stdout stays clean for JSON; shown only if the call fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = []
    try:
        for fd in (1, 2):
            saved.append(os.dup(fd))
    except OSError:  # no stdout / stderr to keep clean (closed descriptors)
        for fd in saved:
            os.close(fd)
        yield
        return
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        except Exception as exc:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            log.seek(0)
            tail = log.read()[-2000:].decode("utf-8", "replace")
            raise MultilabeltextError(f"Omikuji failed while {what}: {exc}. Its last output:\n{tail}",
                                      fix="check the message above; train the model again if its files are "
                                          "damaged.") from exc
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def write_xmc(path: Path, X, Y) -> int:
    """Rows with at least one tag, in the Extreme Classification Repository's text format Omikuji reads
    (a ``rows features labels`` header, then ``l1,l2 f:v f:v ...`` per row); returns the rows written.

    Rows without a tag are left out: a label tree trains each node only on the rows with a tag below it, so
    they would be read and never used (every tag's classifier sees the other tags' rows as negatives).
    """
    X = X.tocsr()
    X.sort_indices()
    Y = np.asarray(Y) > 0
    rows = np.flatnonzero(Y.any(axis=1))
    if not len(rows):
        raise ConfigError("no training text has a tag.", fix="check the dataset's tags (labels.json).")
    with open(path, "w", encoding="ascii") as f:
        f.write(f"{len(rows)} {X.shape[1]} {Y.shape[1]}\n")
        for i in rows:
            start, end = X.indptr[i], X.indptr[i + 1]
            pairs = " ".join(f"{j}:{v:.7g}" for j, v in zip(X.indices[start:end].tolist(), X.data[start:end].tolist()))
            f.write(",".join(map(str, np.flatnonzero(Y[i]).tolist())) + " " + pairs + "\n")
    return len(rows)


def predict_scores(model, X, n_labels: int, top_k: int, beam_size: int, jobs: int = 1) -> np.ndarray:
    """Scores (rows, n_labels) of CSR rows ``X``: each row's ``top_k`` tags from Omikuji, 0 elsewhere.

    Calls the library's C function on the matrix's own arrays, one row at a time (its Python ``predict``
    builds a sorted list of pairs per row, which cost more than the prediction itself), in ``jobs`` threads
    over blocks of rows (cffi releases the GIL during the call: 2 threads predicted 1.5-2x faster on 2 cores).
    """
    from concurrent.futures import ThreadPoolExecutor

    from omikuji import ffi

    X = X.tocsr()
    X.sort_indices()
    arrays = (ffi.from_buffer("uint32_t[]", np.ascontiguousarray(X.indices, dtype=np.uint32)),
              ffi.from_buffer("float[]", np.ascontiguousarray(X.data, dtype=np.float32)), X.indptr.tolist())
    out = np.zeros((X.shape[0], n_labels), dtype=np.float32)
    top_k = min(top_k, n_labels)
    blocks = max(1, min(jobs, X.shape[0] // 64))  # a thread per block of at least 64 rows
    bounds = np.linspace(0, X.shape[0], blocks + 1).astype(int)
    work = [(model, arrays, out, int(a), int(b), top_k, beam_size) for a, b in zip(bounds[:-1], bounds[1:])]
    if blocks == 1:
        _predict_rows(*work[0])
    else:
        with ThreadPoolExecutor(blocks) as pool:
            list(pool.map(lambda args: _predict_rows(*args), work))
    return np.clip(out, 0.0, 1.0, out=out)


def _predict_rows(model, arrays, out: np.ndarray, first: int, last: int, top_k: int, beam_size: int) -> None:
    """Rows ``first`` to ``last`` of :func:`predict_scores` into ``out`` (buffers of its own: one per thread)."""
    from omikuji import ffi, lib

    index_ptr, value_ptr, indptr = arrays
    got_labels, got_scores = ffi.new("uint32_t[]", top_k), ffi.new("float[]", top_k)
    labels_view = np.frombuffer(ffi.buffer(got_labels), dtype=np.uint32)
    scores_view = np.frombuffer(ffi.buffer(got_scores), dtype=np.float32)
    pool, handle = model._thread_pool.ptr, model._model_ptr
    for row in range(first, last):
        start, end = indptr[row], indptr[row + 1]
        k = lib.omikuji_predict(handle, beam_size, end - start, index_ptr + start, value_ptr + start, top_k,
                                got_labels, got_scores, pool)
        out[row, labels_view[:k]] = scores_view[:k]
