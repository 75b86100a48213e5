"""Compare our models with scikit-learn and fastText peers on the benchmark protocol: quality, time, memory.

One run, side by side, on the protocol datasets of ../shared/datasets/README.md (see bench/protocol.py):
so-titles (test = i % 5 == 0), cooking (first 12,404 lines train, last 3,000 test) and the
pythonquestions-sample (5 folds, i % 5 == k; the mean over folds is reported).

Rows of each table:

* peers: ``tfidf-lr`` (scikit-learn TF-IDF word 1-2-grams + one-vs-rest LogisticRegression) and ``fasttext``
  (fastText supervised, loss='ova', lr 0.5, 25 epochs, wordNgrams 2), each with ONE global threshold tuned
  on the validation slice (``multilabeltext.thresholds.tune_global``, maximizing micro-F1);
* ours: each ``--models`` name from the registry, one row per decision rule: what ``multilabeltext train``
  does by default (read from ``TrainConfig``; one global threshold and ``min_tags=1`` as of this writing),
  per-tag thresholds with ``min_tags=1``, and one global threshold without a minimum (like the peers').

Every model fits on the train part minus a seeded 10% validation slice; thresholds, early stopping,
calibration and ensemble weights use only that slice; test rows are scored once. The exception, still
inside the train part: a cross-fitted model (``linear``, ``cross_fit`` folds) pools the fit rows and the
slice, calibrates on every row's held-out (out-of-fold) score, tunes thresholds on those scores
(``TagModel.tuning_``) and makes its final fit on the whole train part. Models needing word
vectors get Word2Vec (multilabeltext.embeddings) trained on the train part only (fit + validation rows).
Transfer on pyq (``--pyq-auxiliary``, on by default): models that take auxiliary data (``linear``, ``mlp``, ``lstm``
and the ``ensemble`` through them) also train on the 4,577 so-titles titles tagged python, down-weighted, only for
the 7 of 10 tags so-titles has (``multilabeltext.auxiliary``); they are never scored or tuned on.
Screening a setting: ``--only-folds 0,1`` runs those pyq folds only, ``--vectors-cache DIR`` keeps each split's
Word2Vec (gensim's threads make it differ run to run) and reuses it, so two runs differ by the model settings alone.
Results are printed and saved as JSON in bench/results/: models.json (every split; not committed) and its
summary models-summary.json (committed); models-quick*.json with --quick.

Units: seconds of wall clock, memory in MiB (2**20 bytes).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import psutil

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402  (next to this file)

REPO = protocol.REPO
RESULTS_DIR = REPO / "bench" / "results"
MIB = 2 ** 20
INTERVAL = 0.05  # seconds between memory samples
BUSY_OTHER_CORES = 0.25  # other processes using more than this many cores on average: a busy run
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

DATASET_NAMES = {"so-titles": "so-titles", "cooking": "cooking", "pyq": "pyq", "pythonquestions": "pyq",
                 "pythonquestions-sample": "pyq"}
DEFAULT_DATASETS = "so-titles,cooking,pyq"
DEFAULT_MODELS = "linear,mlp,lstm,ensemble"
PEERS = ("tfidf-lr", "fasttext")
NEEDS_VECTORS = {"lstm"}  # registered models that take Word2Vec vectors (ensembles: through their members)

# Peer settings. tfidf-lr: C=10 was the best of C in {1, 10, 30} on the validation slices of so-titles and
# cooking; fastText: the tutorial's preprocessing (punctuation split off, lower-cased) beat raw text on the
# same slices. Both chosen on validation data only, once, and then fixed for every dataset.
PEER_DEFAULTS = {
    "tfidf-lr": {"ngram_range": [1, 2], "min_df": 2, "sublinear_tf": True, "C": 10.0, "solver": "liblinear",
                 "max_iter": 1000, "n_jobs": CORES},
    "fasttext": {"lr": 0.5, "epoch": 25, "wordNgrams": 2, "loss": "ova", "dim": 100, "minCount": 1,
                 "thread": CORES, "seed": 0, "preprocess": "tutorial"},
}
# Figures from the issue (2 cores, same protocol, tuned global threshold): (micro-F1, P@1)
REFERENCE = {
    "so-titles": {"tfidf-lr": (0.664, 0.797), "fasttext": (0.650, 0.773)},
    "cooking": {"tfidf-lr": (0.514, 0.668), "fasttext": (0.459, 0.627)},
    "pyq": {"tfidf-lr": (0.716, 0.767), "fasttext": (0.566, 0.633)},
}


def rule_name(rule: dict) -> str:
    """'global+min1', 'per-tag-shrunk+min1 macro', ...: a short name for Thresholds.fit options."""
    name = rule["method"] + ("-shrunk" if rule["method"] == "per-tag" and rule.get("shrink") else "")
    name += f"+min{rule['min_tags']}" if rule.get("min_tags") else ""
    metric = rule.get("metric", "micro_f1")
    return name + ("" if metric == "micro_f1" else f" {metric.removesuffix('_f1')}")


def train_default_rule() -> tuple[str, dict]:
    """(name, Thresholds.fit options) of what ``multilabeltext train`` does by default."""
    from multilabeltext.config import TrainConfig

    options = TrainConfig().rule_options()
    return rule_name(options), options


def _rules() -> dict[str, dict]:
    from multilabeltext.thresholds import TRAIN_SHRINK

    plain = {"shrink": 0.0}
    options = [{"method": "global", "min_tags": 0, "metric": "micro_f1", **plain},
               {"method": "per-tag", "min_tags": 1, "metric": "micro_f1", **plain},
               {"method": "per-tag", "min_tags": 1, "metric": "micro_f1", "shrink": TRAIN_SHRINK}]
    for metric in ("macro_f1", "samples_f1"):
        options += [{"method": "global", "min_tags": 1, "metric": metric, **plain},
                    {"method": "per-tag", "min_tags": 1, "metric": metric, **plain},
                    {"method": "per-tag", "min_tags": 1, "metric": metric, "shrink": TRAIN_SHRINK}]
    return {rule_name(o): o for o in options}


# Decision rules computed for every run (name -> Thresholds.fit options), all tuned on the validation slice (or
# a model's own held-out rows): "global", the peers' (one threshold for micro-F1, no minimum) and ours
# like-for-like; "per-tag+min1", plain per-tag thresholds and at least one tag; "per-tag-shrunk+min1", the same
# pulled toward the global threshold (TRAIN_SHRINK); the same three kinds tuned for macro-F1 and samples-F1
# (train --optimize); and whatever `multilabeltext train` does by default (read from TrainConfig when the run
# starts; "global+min1" when this was written), the first row of each of our models.
RULES = _rules()
TRAIN_RULE = train_default_rule()
RULES.setdefault(TRAIN_RULE[0], TRAIN_RULE[1])
PRIMARY_RULE = {"peer": "global", "ours": TRAIN_RULE[0]}


# ---------------------------------------------------------------------------------------------- measuring


def tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc] + proc.children(recursive=True)
    except psutil.Error:
        return [proc]


def tree_rss(proc: psutil.Process) -> int:
    """Summed RSS (bytes) of this process and its live descendants (e.g. joblib/loky workers)."""
    total = 0
    for p in tree(proc):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of this process, its reaped children and its live descendants."""
    t = proc.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for p in tree(proc)[1:]:
        try:
            c = p.cpu_times()
            total += c.user + c.system
        except psutil.Error:
            pass
    return total


def system_busy_cpu() -> float:
    """CPU seconds all processes of the machine have used (busy time summed over cores)."""
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


class Meter:
    """Wall clock, CPU time, peak RSS of our process tree, and what other processes used meanwhile."""

    def __init__(self):
        self.proc = psutil.Process()

    def _sample(self):
        while not self._stop.wait(INTERVAL):
            self.peak = max(self.peak, tree_rss(self.proc))

    def __enter__(self):
        gc.collect()
        self.load_before = os.getloadavg()
        self.rss_before = tree_rss(self.proc)
        self.peak = self.rss_before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.cpu0, self.sys0 = tree_cpu(self.proc), system_busy_cpu()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.cpu = tree_cpu(self.proc) - self.cpu0
        system = system_busy_cpu() - self.sys0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(self.proc))
        self.other_cores = max(system - self.cpu, 0.0) / max(self.seconds, 1e-9)
        return False

    def record(self) -> dict:
        return {"seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu, 2),
                "cores_used": round(self.cpu / max(self.seconds, 1e-9), 2),
                "other_processes_cores": round(self.other_cores, 2),
                "busy": self.other_cores > BUSY_OTHER_CORES,
                "rss_before_mb": round(self.rss_before / MIB, 1), "peak_rss_mb": round(self.peak / MIB, 1),
                "load_average_before": [round(x, 2) for x in self.load_before]}


# ---------------------------------------------------------------------------------------------- peers


class TfidfLogReg:
    """scikit-learn: TfidfVectorizer(word 1-2-grams) + OneVsRestClassifier(LogisticRegression)."""

    def __init__(self, params: dict):
        self.params = params

    def fit(self, texts, Y):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        p = self.params
        self.vec = TfidfVectorizer(ngram_range=tuple(p["ngram_range"]), min_df=p["min_df"],
                                   sublinear_tf=p["sublinear_tf"], dtype=np.float32)
        X = self.vec.fit_transform(texts)
        X.sort_indices()  # joblib memory-maps X read-only in the workers; LogisticRegression must not sort it there
        # float labels: scikit-learn 1.9.1's LabelBinarizer casts the class ids to an unsigned y's dtype, so a
        # uint8 label matrix with more than 256 columns gets its columns permuted (cooking has 736 tags).
        clf = OneVsRestClassifier(LogisticRegression(C=p["C"], solver=p["solver"], max_iter=p["max_iter"]),
                                  n_jobs=p["n_jobs"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Label k is present in all/none of the training examples"
            self.clf = clf.fit(X, np.asarray(Y, dtype=np.float32))
        return self

    def predict_proba(self, texts):
        X = self.vec.transform(texts)
        return self.clf.predict_proba(X).astype(np.float32)


_PUNCT = re.compile(r"([.!?,'/()])")


def fasttext_text(text: str, preprocess: str) -> str:
    """One line of fastText input: whitespace collapsed; ``tutorial`` also splits punctuation off and lower-cases
    (the fastText tutorial's ``sed -e "s/\\([.\\!?,'/()]\\)/ \\1 /g" | tr "[:upper:]" "[:lower:]"``)."""
    if preprocess == "tutorial":
        text = _PUNCT.sub(r" \1 ", text).lower()
    return " ".join(text.split())


class FastTextPeer:
    """fastText supervised (the fasttext-numpy2 wheel): scores are the ova loss's per-label sigmoids."""

    def __init__(self, params: dict, labels: list[str], work: Path):
        self.params, self.labels, self.work = params, labels, work

    def fit(self, texts, Y):
        import fasttext

        p = dict(self.params)
        self.preprocess = p.pop("preprocess")
        path = self.work / "fasttext-train.txt"
        with open(path, "w", encoding="utf-8") as f:
            for text, row in zip(texts, np.asarray(Y)):
                tags = " ".join("__label__" + self.labels[j] for j in np.flatnonzero(row))
                f.write(f"{tags} {fasttext_text(text, self.preprocess)}\n")
        self.model = fasttext.train_supervised(input=str(path), verbose=0, **p)
        path.unlink()
        self.index = {"__label__" + t: j for j, t in enumerate(self.labels)}
        return self

    def predict_proba(self, texts):
        lines = [fasttext_text(t, self.preprocess) for t in texts]
        names, probs = self.model.predict(lines, k=-1, threshold=0.0)
        out = np.zeros((len(lines), len(self.labels)), dtype=np.float32)
        for r, (ls, ps) in enumerate(zip(names, probs)):
            cols = [self.index.get(name, -1) for name in ls]
            for j, p in zip(cols, ps):
                if j >= 0:
                    out[r, j] = p
        return out


# ---------------------------------------------------------------------------------------------- our models


def registry():
    from multilabeltext.models import MODELS

    return MODELS


def ensemble_members(params: dict) -> list[dict]:
    """An ensemble's ``{"model": name, "params": {...}}`` members: its defaults unless ``params`` sets them."""
    from multilabeltext.models import model_class

    return [dict(m) for m in params.get("members") or model_class("ensemble").Config().members]


def members_of(name: str, params: dict) -> list[str]:
    """Member model names of an ensemble (none for other models)."""
    return [m["model"] for m in ensemble_members(params)] if name == "ensemble" else []


def unavailable(name: str, params: dict) -> str | None:
    """Why ``name`` cannot run now (not registered, or an ensemble member is not), else None."""
    models = registry()
    if name not in models:
        return f"{name!r} is not in the model registry yet (registered: {', '.join(sorted(models))})"
    missing = [m for m in members_of(name, params) if m not in models]
    if missing:
        return f"{name!r} needs member(s) {', '.join(missing)}, not in the registry yet"
    return None


def reusable_members(name: str, params: dict, fitted: dict) -> list | None:
    """The fitted (model, seconds) of each member of ensemble ``name``, when every one was fitted above with the
    same settings; else None (the ensemble then fits its own members)."""
    if name != "ensemble":
        return None
    from multilabeltext.models import get_model

    found = []
    for member in ensemble_members(params):
        model, seconds = fitted.get(member["model"], (None, 0.0))
        if model is None or model.config != get_model(member["model"], member.get("params", {})).config:
            return None
        found.append((model, seconds))
    return found


def needs_vectors(name: str, params: dict) -> bool:
    return name in NEEDS_VECTORS or any(m in NEEDS_VECTORS for m in members_of(name, params))


QUICK = {"lstm": {"epochs": 1}, "mlp": {"epochs": 1}}  # smoke-run settings of the Keras models


def quick_params(name: str, params: dict) -> dict:
    """Few epochs for smoke runs (explicit --params win)."""
    if name in QUICK:
        return {**QUICK[name], **params}
    if name == "ensemble" and "members" not in params:
        members = ensemble_members(params)
        for m in members:
            m["params"] = {**QUICK.get(m["model"], {}), **m.get("params", {})}
        return {**params, "members": members}
    return params


# ---------------------------------------------------------------------------------------------- one split


class SplitData:
    """Texts and label matrices of one protocol split: fit rows, validation slice, test part."""

    def __init__(self, loaded: protocol.Loaded, split: protocol.Split, fraction: float, seed: int):
        from multilabeltext.config import TokenizerConfig
        from multilabeltext.data.tokenizer import Tokenizer
        from multilabeltext.metrics import binarize

        frame = loaded.frame
        texts, tags = frame["text"].tolist(), [list(t) for t in frame["tags"]]
        self.split = split
        self.fit_idx, self.val_idx = protocol.validation_slice(split.train, fraction, seed)
        self.test_idx = split.test
        pick = lambda idx, xs: [xs[i] for i in idx]  # noqa: E731
        # label space of the models: the tags of the train part (fit + validation rows); test-only tags are
        # appended for scoring (every model scores them 0), so missing them costs recall and macro-F1.
        self.labels = sorted({t for i in split.train for t in tags[i]})
        self.test_only = sorted({t for i in split.test for t in tags[i]} - set(self.labels))
        self.eval_labels = self.labels + self.test_only
        self.texts_fit, self.texts_val, self.texts_test = (pick(ix, texts) for ix in
                                                           (self.fit_idx, self.val_idx, self.test_idx))
        self.Y_fit = binarize(pick(self.fit_idx, tags), self.labels)
        self.Y_val = binarize(pick(self.val_idx, tags), self.labels)
        self.Y_test = binarize(pick(self.test_idx, tags), self.eval_labels)
        self.tokenizer = TokenizerConfig.from_dict(loaded.tokenizer)
        tokenizer = Tokenizer(self.tokenizer)
        self.fit_tokens = sum(len(t) for t in tokenizer.batch(self.texts_fit))
        self.scores_dir: Path | None = None  # --save-scores: where score_run writes each run's scores

    def save_scores(self, directory: Path) -> None:
        """Remember ``directory`` for each run's scores; write the split's label matrices and labels there."""
        self.scores_dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "Y_validation.npy", self.Y_val)
        np.save(directory / "Y_test.npy", self.Y_test)
        (directory / "labels.json").write_text(json.dumps({"labels": self.labels, "test_only": self.test_only}) + "\n",
                                               encoding="utf-8")

    def describe(self) -> dict:
        return {"rule": self.split.rule, "rows": {"fit": len(self.fit_idx), "validation": len(self.val_idx),
                                                  "test": len(self.test_idx)},
                "labels_in_train_part": len(self.labels), "labels_only_in_test_part": len(self.test_only),
                "test_only_labels": self.test_only[:50], "fit_tokens": self.fit_tokens,
                "labels_in_test_part": int(self.Y_test.any(axis=0).sum())}

    def pad(self, proba: np.ndarray) -> np.ndarray:
        """Scores over the evaluation label space (0 for the test-only tags)."""
        if not self.test_only:
            return proba
        return np.hstack([proba, np.zeros((len(proba), len(self.test_only)), dtype=proba.dtype)])


def decide(Y_tune: np.ndarray, proba_tune: np.ndarray, rule: dict):
    """The decision rule ``rule`` (Thresholds.fit options) tuned on (Y_tune, proba_tune) by the library's core."""
    from multilabeltext import core

    return core.tune(Y_tune, proba_tune, **rule)


def score_run(name: str, kind: str, fit, predict, data: SplitData, keep=None) -> dict:
    """Fit, tune every decision rule on the validation slice, score the test part; timings and memory.

    ``keep(model, fit_seconds)``, when given, receives the fitted model (for an ensemble of fitted models).
    With ``data.scores_dir`` set (``--save-scores``), the scores are saved there as ``<name>.validation.npy``
    (held-out scores of the validation slice), ``<name>.test.npy`` and, for a cross-fitted model, its tuning
    rows ``<name>.tuning_Y.npy`` / ``<name>.tuning_proba.npy``."""
    from multilabeltext import core

    with Meter() as m_fit:
        model = fit()
    started = time.perf_counter()
    proba_val = np.asarray(predict(model, data.texts_val), dtype=np.float32)
    val_predict_seconds = time.perf_counter() - started
    # ours: held-out scores (every train row's when cross-fitted); peers: the validation slice's
    Y_tune, proba_tune = core.tuning_rows(model, data.Y_val, proba_val)
    with Meter() as m_pred:
        proba_test = np.asarray(predict(model, data.texts_test), dtype=np.float32)
    if data.scores_dir is not None:
        held_out = getattr(model, "validation_proba_", None)  # ours: the scores ensemble weights are tuned on
        np.save(data.scores_dir / f"{name}.validation.npy", proba_val if held_out is None else held_out)
        np.save(data.scores_dir / f"{name}.test.npy", data.pad(proba_test))
        if len(Y_tune) != len(data.Y_val):
            np.save(data.scores_dir / f"{name}.tuning_Y.npy", Y_tune)
            np.save(data.scores_dir / f"{name}.tuning_proba.npy", proba_tune)
    rules = {}
    for rule, options in RULES.items():
        method, min_tags = options["method"], options["min_tags"]
        started = time.perf_counter()
        th = decide(Y_tune, proba_tune, options)
        tune_seconds = time.perf_counter() - started
        vec_val = th.vector(Y_tune.shape[1])
        val, _ = core.score(th, Y_tune, proba_tune)
        test, _ = core.score(th, data.Y_test, proba_test)  # test-only tags: never predicted
        rules[rule] = {"thresholds": {"method": method, "min_tags": min_tags, "global": th.global_,
                                      "metric": th.metric, "shrink": th.shrink,
                                      **({"per_tag_mean": float(np.mean(vec_val)), "per_tag_min": float(np.min(vec_val)),
                                          "per_tag_max": float(np.max(vec_val))} if method == "per-tag" else {})},
                       "tune_seconds": round(tune_seconds, 3), "tuning_rows": len(Y_tune), "validation": val,
                       "test": test}
    fit_rec, pred_rec = m_fit.record(), m_pred.record()
    n_fit, n_test = len(data.texts_fit), len(data.texts_test)
    fitted = {"history": jsonable(getattr(model, "history_", None) or None)}  # e.g. the lstm's epochs
    if getattr(model, "name", None) == "ensemble":  # its tuned member weights
        fitted["ensemble_weights"] = np.asarray(model.weights_).round(4).tolist()
    if keep is not None:
        keep(model, m_fit.seconds)
    del model
    gc.collect()
    return {
        "kind": kind,
        "train": {**fit_rec, "docs_per_second": round(n_fit / max(m_fit.seconds, 1e-9), 1),
                  "tokens_per_second": round(data.fit_tokens / max(m_fit.seconds, 1e-9), 1)},
        "predict": {**pred_rec, "texts": n_test, "texts_per_second": round(n_test / max(m_pred.seconds, 1e-9), 1)},
        "validation_predict_seconds": round(val_predict_seconds, 3),
        "peak_rss_mb": max(fit_rec["peak_rss_mb"], pred_rec["peak_rss_mb"]),
        "peak_over_start_mb": round(max(fit_rec["peak_rss_mb"], pred_rec["peak_rss_mb"]) - fit_rec["rss_before_mb"], 1),
        "busy": fit_rec["busy"] or pred_rec["busy"],
        "fitted": fitted,
        "rules": rules,
    }


# ---------------------------------------------------------------------------------------------- word2vec


class Vectors:
    """Word2Vec for one split, trained on first use (train part only; optionally with other SO text)."""

    def __init__(self, args, loaded: protocol.Loaded, data: SplitData, work: Path, so_text):
        self.args, self.loaded, self.data, self.work, self.so_text = args, loaded, data, work, so_text
        self.kv, self.record = None, None

    def get(self):
        if self.kv is not None:
            return self.kv
        from multilabeltext.embeddings import Word2VecConfig, train_word2vec

        d = self.data
        split_dir = protocol.write_split_dataset(
            self.loaded, self.work / "splits" / self.loaded.name / d.split.name, d.fit_idx, d.val_idx, d.test_idx,
            protocol={"dataset": self.loaded.name, "split": d.split.name, "rule": d.split.rule,
                      "validation": f"seeded {self.args.validation_fraction:g} slice of the train part "
                                    f"(seed {self.args.seed})"})
        datasets, corpus = [split_dir], "the split's train part (fit + validation rows)"
        if self.loaded.name == "pyq" and self.args.pyq_vectors == "all-so-text":
            datasets += self.so_text()
            corpus += " + every Stack Overflow text under ../shared/datasets (so-titles, SEDE/Posts/Kaggle samples)"
        settings = {"splits": ["train", "validation"], **({"epochs": 1} if self.args.quick else {}),
                    **self.args.params.get("word2vec", {})}
        config = Word2VecConfig.from_dict(settings, source="--params word2vec:...")
        cached = None
        if self.args.vectors_cache is not None:  # one directory per dataset, split, corpus and settings
            key = hashlib.sha256(json.dumps([self.args.pyq_vectors, self.args.validation_fraction, self.args.seed,
                                             config.to_dict()], sort_keys=True, default=str).encode()).hexdigest()
            cached = self.args.vectors_cache / f"{self.loaded.name}-{d.split.name}-{key[:12]}"
        if cached is not None and cached.is_dir():
            from multilabeltext.embeddings import load_vectors

            with Meter() as m:
                self.kv = load_vectors(cached)
            print(f"    word2vec: reused {cached} (trained by an earlier run)", file=sys.stderr)
        else:
            with Meter() as m:
                self.kv = train_word2vec(datasets, config)
            if cached is not None:
                from multilabeltext.embeddings import save_vectors

                save_vectors(self.kv, cached)
        meta = self.kv.metadata
        self.record = {"corpus": corpus, "datasets": [str(p) for p in datasets], "config": config.to_dict(),
                       "documents": meta["corpus"]["documents"], "tokens": meta["corpus"]["tokens"],
                       "vocabulary": len(self.kv), "training": meta["training"],
                       "words_per_second": meta["training"]["words_per_second"], **m.record(),
                       **({"cache": str(cached)} if cached is not None else {})}
        print(f"    word2vec: {len(self.kv):,} words, {meta['corpus']['documents']:,} documents, "
              f"{m.seconds:.1f} s, {meta['training']['words_per_second']:,.0f} words/s", file=sys.stderr)
        return self.kv


# ---------------------------------------------------------------------------------------------- a dataset


def split_auxiliary(args, loaded, data: SplitData, auxiliary_dir):
    """pyq with ``--pyq-auxiliary so-titles-python``: the so-titles rows tagged python, for the models that
    take auxiliary data (minus any overlapping the split's validation or test texts); else None."""
    if loaded.name != "pyq" or args.pyq_auxiliary == "none":
        return None
    from multilabeltext.auxiliary import load_auxiliary

    return load_auxiliary(auxiliary_dir(), data.labels, weight=args.auxiliary_weight, require_tag="python",
                          exclude=data.texts_val + data.texts_test)


def run_split(args, loaded, split, work: Path, so_text, auxiliary_dir) -> dict:
    data = SplitData(loaded, split, args.validation_fraction, args.seed)
    if args.save_scores is not None:
        data.save_scores(args.save_scores / loaded.name / split.name)
    out = {"name": split.name, **data.describe(), "runs": {}, "skipped": {}}
    auxiliary = split_auxiliary(args, loaded, data, auxiliary_dir)
    if auxiliary is not None:
        out["auxiliary"] = auxiliary.summary()
    print(f"  {loaded.name} {split.name}: fit {len(data.texts_fit):,}, validation {len(data.texts_val):,}, "
          f"test {len(data.texts_test):,}, {len(data.labels)} labels", file=sys.stderr)
    np.random.seed(args.seed)
    for peer in args.peers:
        params = {**PEER_DEFAULTS[peer], **({"epoch": 5} if args.quick and peer == "fasttext" else {}),
                  **args.params.get(peer, {})}
        if peer == "tfidf-lr":
            fit = lambda p=params: TfidfLogReg(p).fit(data.texts_fit, data.Y_fit)  # noqa: E731
        else:
            fit = lambda p=params: FastTextPeer(p, data.labels, work).fit(data.texts_fit, data.Y_fit)  # noqa: E731
        out["runs"][peer] = run_guarded(peer, "peer", fit, lambda m, t: m.predict_proba(t), data, params)
    vectors = Vectors(args, loaded, data, work, so_text)
    from multilabeltext.models import get_model

    fitted: dict = {}  # model name -> (fitted model, fit seconds), reused by an ensemble of them
    for name in args.models:
        params = args.model_params[name]
        why = unavailable(name, params)
        if why:
            out["skipped"][name] = why
            continue
        kv = None
        if needs_vectors(name, params):
            try:
                kv = vectors.get()
            except Exception as exc:  # noqa: BLE001  (report, continue with the other models)
                traceback.print_exc()
                out["skipped"][name] = f"Word2Vec failed: {exc}"
                continue

        def fit(name=name, params=params, kv=kv):
            from multilabeltext import core

            model = get_model(name, params)
            return core.fit(model, data.labels, data.texts_fit, data.Y_fit, validation=(data.texts_val, data.Y_val),
                            tokenizer=data.tokenizer, vectors=kv,
                            auxiliary=auxiliary if model.supports_auxiliary else None, rule=TRAIN_RULE[1])

        members = reusable_members(name, params, fitted)
        extra = 0.0
        if members is not None:  # an ensemble of models fitted above: tune its weights only, count their fit time
            extra = sum(seconds for _, seconds in members)

            def fit(params=params, members=members):
                from multilabeltext.models.ensemble import EnsembleConfig, EnsembleModel

                return EnsembleModel.from_members([m for m, _ in members], (data.texts_val, data.Y_val),
                                                  EnsembleConfig.from_dict(params), rule=TRAIN_RULE[1])

        def keep(model, seconds, name=name):
            fitted[name] = (model, seconds)

        run = run_guarded(name, "ours", fit, lambda m, t: m.predict_proba(t), data, params,
                          keep=keep if name != "ensemble" else None, extra_fit_seconds=extra)
        if members is not None and "error" not in run:
            run["members_reused"] = [m.name for m, _ in members]
        if kv is not None and "error" not in run:
            run["word2vec_seconds"] = vectors.record["seconds"]
            run["train_seconds_with_word2vec"] = round(run["train"]["seconds"] + vectors.record["seconds"], 3)
        out["runs"][name] = run
    if vectors.record is not None:
        out["word2vec"] = vectors.record
    return out


def run_guarded(name, kind, fit, predict, data, params, keep=None, extra_fit_seconds: float = 0.0) -> dict:
    """``score_run`` that reports a failure instead of raising; ``extra_fit_seconds`` (an ensemble's members,
    fitted earlier in the run) are added to the training time."""
    started = time.perf_counter()
    try:
        run = score_run(name, kind, fit, predict, data, keep)
        if extra_fit_seconds:
            train = run["train"]
            train["combine_seconds"] = train["seconds"]
            train["seconds"] = round(train["seconds"] + extra_fit_seconds, 3)
            train["docs_per_second"] = round(len(data.texts_fit) / max(train["seconds"], 1e-9), 1)
            train["tokens_per_second"] = round(data.fit_tokens / max(train["seconds"], 1e-9), 1)
    except Exception as exc:  # noqa: BLE001  (one failing model must not lose the others' results)
        traceback.print_exc()
        print(f"    {name}: FAILED after {time.perf_counter() - started:.0f} s: {exc!r}", file=sys.stderr)
        return {"kind": kind, "params": jsonable(params), "error": repr(exc)}
    rule = PRIMARY_RULE[kind]
    t = run["rules"][rule]["test"]
    print(f"    {name:<10} micro-F1 {t['micro_f1']:.3f}  P@1 {t['p_at_1']:.3f}  ({rule}; train "
          f"{run['train']['seconds']:.1f} s, predict {run['predict']['texts_per_second']:,.0f} texts/s, peak "
          f"{run['peak_rss_mb']:,.0f} MiB{', BUSY' if run['busy'] else ''})", file=sys.stderr)
    return {"params": jsonable(params), **run}


def _default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    return str(o)


def jsonable(value):
    """``value`` with NumPy numbers, arrays and sets turned into plain JSON values (anything else: str)."""
    return json.loads(json.dumps(value, default=_default))


ROW_METRICS = ("micro_f1", "p_at_1", "macro_f1", "samples_f1")


def summarize(splits: list[dict]) -> dict:
    """Table rows (peers with their global threshold; ours per tag + min 1, and global): mean over splits."""
    rows = {}
    names = list(dict.fromkeys(n for s in splits for n in s["runs"]))
    for name in names:
        runs = [s["runs"][name] for s in splits if name in s["runs"] and "error" not in s["runs"][name]]
        if len(runs) != len(splits):
            rows[name] = {"error": "failed on some split(s)", "splits_ok": len(runs)}
            continue
        kind = runs[0]["kind"]
        rules = [PRIMARY_RULE[kind]] + ([r for r in RULES if r != PRIMARY_RULE[kind]] if kind == "ours" else [])
        for rule in rules:
            label = name if kind == "peer" else f"{name} ({rule_label(rule)})"
            tests = [r["rules"][rule]["test"] for r in runs]
            row = {"model": name, "kind": kind, "rule": rule, "splits": len(runs)}
            for k in ROW_METRICS + ("micro_precision", "micro_recall", "macro_f1_all", "p_at_3", "p_at_5"):
                vals = [t[k] for t in tests]
                row[k] = float(np.mean(vals))
                if len(vals) > 1 and k in ROW_METRICS:
                    row[k + "_std"] = float(np.std(vals))
            for k, path in (("train_seconds", ("train", "seconds")), ("train_cpu_seconds", ("train", "cpu_seconds")),
                            ("train_docs_per_second", ("train", "docs_per_second")),
                            ("train_tokens_per_second", ("train", "tokens_per_second")),
                            ("predict_seconds", ("predict", "seconds")),
                            ("predict_texts_per_second", ("predict", "texts_per_second"))):
                row[k] = float(np.mean([r[path[0]][path[1]] for r in runs]))
            row["peak_rss_mb"] = float(max(r["peak_rss_mb"] for r in runs))
            row["peak_over_start_mb"] = float(max(r["peak_over_start_mb"] for r in runs))
            row["busy"] = any(r["busy"] for r in runs)
            w2v = [r["word2vec_seconds"] for r in runs if "word2vec_seconds" in r]
            if w2v:
                row["word2vec_seconds"] = float(np.mean(w2v))
            rows[label] = row
    return rows


def rule_label(rule: str) -> str:
    """'per-tag+min1' -> 'per-tag, min 1'; the train default is marked '= train'."""
    o = RULES[rule]
    metric = o.get("metric", "micro_f1")
    return (o["method"] + (f" shrunk {o['shrink']:g}" if o["method"] == "per-tag" and o.get("shrink") else "")
            + (f", min {o['min_tags']}" if o["min_tags"] else "")
            + ("" if metric == "micro_f1" else f", for {metric.removesuffix('_f1')}")
            + (" = train" if rule == TRAIN_RULE[0] else ""))


def peers_with_our_rules(splits: list[dict]) -> dict:
    """The peers' test metrics under our other decision rules: {rule: {peer: metrics}}, mean over splits."""
    out: dict = {}
    for rule in (r for r in RULES if r != "global"):
        for peer in PEERS:
            runs = [s["runs"].get(peer) for s in splits]
            if runs and all(r is not None and "error" not in r for r in runs):
                tests = [r["rules"][rule]["test"] for r in runs]
                out.setdefault(rule, {})[peer] = {k: float(np.mean([t[k] for t in tests])) for k in ROW_METRICS}
    return out


def print_table(name: str, summary: dict, reference: dict, n_splits: int, load: tuple, busy: bool) -> None:
    header = ["model", "micro-F1", "P@1", "macro-F1", "samples-F1", "train s", "predict texts/s", "peak MiB (+run)",
              "issue: micro-F1 / P@1"]
    lines = []
    for label, r in summary.items():
        if "error" in r:
            lines.append([label, "failed", "", "", "", "", "", "", ""])
            continue
        ref = reference.get(r["model"]) if r["kind"] == "peer" else None
        train = f"{r['train_seconds']:.1f}" + (f" (+{r['word2vec_seconds']:.1f} w2v)" if "word2vec_seconds" in r else "")
        lines.append([label + (" !" if r["busy"] else ""), f"{r['micro_f1']:.3f}", f"{r['p_at_1']:.3f}",
                      f"{r['macro_f1']:.3f}", f"{r['samples_f1']:.3f}", train, f"{r['predict_texts_per_second']:,.0f}",
                      f"{r['peak_rss_mb']:,.0f} (+{r['peak_over_start_mb']:,.0f})",
                      f"{ref[0]:.3f} / {ref[1]:.3f}" if ref else ""])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    title = f"{name}" + (f" (mean over {n_splits} folds)" if n_splits > 1 else "")
    print(f"\n{title}; load average before {load[0]:.2f}" + ("  [BUSY: other processes used the CPUs]" if busy else ""))
    print(fmt(header))
    print(fmt(["-" * w for w in widths]))
    for line in lines:
        print(fmt(line))


# ---------------------------------------------------------------------------------------------- context


def versions() -> dict:
    out = {"python": platform.python_version()}
    for dist in ("multilabeltext", "numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "gensim", "fasttext-numpy2",
                 "tensorflow-cpu", "tensorflow", "keras", "psutil"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def git_state() -> dict:
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    status = [line for line in git("status", "--porcelain").splitlines() if line]
    # other engineers edit the library while benchmarks run: hash the code this run imported
    code = sorted((REPO / "multilabeltext").rglob("*.py"))
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_paths": len(status), "uncommitted": status[:40],
            "library_sources_sha256": {str(p.relative_to(REPO)): sha256(p) for p in code}}


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def machine(load: tuple) -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu_count": os.cpu_count(), "usable_cpus": CORES, "cpu_model": model,
            "memory_mb": round(psutil.virtual_memory().total / MIB), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in load]}


def parse_params(items: list[str]) -> dict[str, dict]:
    """``MODEL:key=value`` (repeatable) -> {MODEL: {key: value}}; values are JSON when they parse, else strings."""
    out: dict[str, dict] = {}
    for item in items:
        target, sep, rest = item.partition(":")
        key, eq, raw = rest.partition("=")
        if not sep or not eq or not target or not key:
            raise SystemExit(f"--params {item!r}: expected MODEL:key=value, e.g. lstm:epochs=3 or "
                             "tfidf-lr:C=4 or word2vec:epochs=10")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(target, {})[key] = value
    return out


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, checked and completed (datasets, models, folds, params, the auxiliary weight)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Run with the project's venv python from the repository root.")
    parser.add_argument("--datasets", default=DEFAULT_DATASETS, help=f"comma-separated (default {DEFAULT_DATASETS})")
    parser.add_argument("--models", default=DEFAULT_MODELS,
                        help=f"our registered models, comma-separated (default {DEFAULT_MODELS}); unregistered ones "
                             "are skipped with a note; 'none' runs only the peers")
    parser.add_argument("--peers", default=",".join(PEERS), help="peers to run: tfidf-lr,fasttext (or 'none')")
    parser.add_argument("--params", action="append", default=[], metavar="MODEL:key=value",
                        help="override a setting of one of our models, a peer (tfidf-lr, fasttext) or word2vec; "
                             "repeatable; values are JSON (e.g. ensemble:members='[{\"model\":\"linear\"}]')")
    parser.add_argument("--folds", type=int, default=5, help="pythonquestions-sample folds (i %% folds == k; default 5)")
    parser.add_argument("--only-folds", metavar="K[,K...]",
                        help="run only these pythonquestions folds (0-based, e.g. 0,1: for screening an idea; the "
                             "summary is then the mean over these folds, and the results say so)")
    parser.add_argument("--pyq-vectors", choices=("train", "all-so-text"), default="train",
                        help="Word2Vec corpus for the pythonquestions folds: the fold's train part (default), or "
                             "also every other Stack Overflow text under ../shared/datasets (transfer)")
    parser.add_argument("--pyq-auxiliary", choices=("so-titles-python", "none"), default="so-titles-python",
                        help="auxiliary training rows for the pythonquestions folds (models that take them: "
                             "linear, mlp, lstm, ensemble): the 4,577 so-titles titles tagged python (default), or none")
    parser.add_argument("--auxiliary-weight", type=float, metavar="W",
                        help="what one auxiliary row counts against one training row, in (0, 1] (default: "
                             "TrainConfig's auxiliary_weight, as `train` uses)")
    parser.add_argument("--vectors-cache", type=Path, metavar="DIR",
                        help="keep each split's Word2Vec here and reuse it in later runs with the same split and "
                             "settings (screening model settings on the same vectors; seconds then measure loading)")
    parser.add_argument("--validation-fraction", type=float, default=0.1, help="validation slice of the train part")
    parser.add_argument("--seed", type=int, default=13, help="seed of the validation slice (and numpy)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: tiny subsets, 2 pythonquestions folds, few epochs; writes models-quick.json")
    parser.add_argument("--datasets-dir", type=Path, default=protocol.DATASETS_DIR)
    parser.add_argument("--work-dir", type=Path, help="scratch directory (default: a temporary one, removed)")
    parser.add_argument("--results", type=Path, help="JSON file (default bench/results/models.json, or "
                                                     "models-quick.json with --quick)")
    parser.add_argument("--verbose", action="store_true", help="show the library's progress bars")
    parser.add_argument("--save-scores", type=Path, metavar="DIR",
                        help="also save every run's validation and test scores as .npy under DIR/<dataset>/<split>/ "
                             "(with the label matrices), for bench/ensemble_ceiling.py and other offline analyses")
    args = parser.parse_args(argv)

    datasets = []
    for d in (x.strip() for x in args.datasets.split(",") if x.strip()):
        if d not in DATASET_NAMES:
            parser.error(f"unknown dataset {d!r}; use {DEFAULT_DATASETS}")
        datasets.append(DATASET_NAMES[d])
    args.peers = [] if args.peers.strip() == "none" else [p.strip() for p in args.peers.split(",") if p.strip()]
    if bad := [p for p in args.peers if p not in PEERS]:
        parser.error(f"unknown peer(s) {bad}; use {','.join(PEERS)}")
    args.models = [] if args.models.strip() == "none" else [m.strip() for m in args.models.split(",") if m.strip()]
    if not 0 < args.validation_fraction < 0.5:
        parser.error("--validation-fraction must be in (0, 0.5)")
    if args.folds < 2:
        parser.error("--folds must be >= 2")
    if args.only_folds is not None:
        try:
            args.only_folds = sorted({int(k) for k in args.only_folds.split(",") if k.strip()})
        except ValueError:
            parser.error(f"--only-folds takes fold numbers like 0,1, got {args.only_folds!r}")
        if not args.only_folds or not all(0 <= k < args.folds for k in args.only_folds):
            parser.error(f"--only-folds must name folds in 0..{args.folds - 1}")
    if args.auxiliary_weight is None:
        from multilabeltext.config import TrainConfig

        args.auxiliary_weight = TrainConfig().auxiliary_weight
    elif not 0 < args.auxiliary_weight <= 1:
        parser.error(f"--auxiliary-weight must be in (0, 1], got {args.auxiliary_weight:g}")
    args.params = parse_params(args.params)
    args.model_params = {m: (quick_params(m, args.params.get(m, {})) if args.quick and m in registry()
                             else args.params.get(m, {})) for m in args.models}
    args.datasets = datasets
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    datasets = args.datasets
    results_path = args.results or RESULTS_DIR / ("models-quick.json" if args.quick else "models.json")

    from multilabeltext.progress import set_quiet

    set_quiet(not args.verbose)
    # scikit-learn's "Label k is present in all training examples" (rare tags absent from a fit part), here
    # and in joblib's worker processes (they inherit the environment)
    os.environ["PYTHONWARNINGS"] = "ignore::UserWarning:sklearn.multiclass"
    warnings.filterwarnings("ignore", category=UserWarning, module="sklearn.multiclass")
    started_all = time.perf_counter()
    load_start = os.getloadavg()
    notes = []
    for m in args.models:
        why = unavailable(m, args.model_params[m])
        if why:
            notes.append(f"skipped {m}: {why}")
            print(f"note: skipping {why}", file=sys.stderr)
    from multilabeltext.models import model_class

    for m in args.models:  # import the model modules now, so the source hashes below are of the code that runs
        if not unavailable(m, args.model_params[m]):
            for name in [m, *members_of(m, args.model_params[m])]:
                model_class(name)
    if load_start[0] > 0.5:
        print(f"warning: the machine is busy (load average {load_start[0]:.1f}); timings will be slower",
              file=sys.stderr)

    own_work = args.work_dir is None
    work = Path(tempfile.mkdtemp(prefix="multilabeltext-bench-models-")) if own_work else args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "multilabeltext models vs scikit-learn TF-IDF+LR and fastText on the benchmark protocol",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(argv),
        "quick": args.quick, "complete": False,
        "machine": machine(load_start), "versions": versions(), "git": git_state(),
        "protocol": {
            "source": "../shared/datasets/README.md, 'Benchmark protocol'",
            "reading": "multilabeltext.prepare(..., PrepareConfig(split='none', dedupe=False, ...)) then the "
                       "protocol on the `row` column; checked: row == file order index and each row's tags equal "
                       "a plain reading of the source file's line",
            "validation": f"a seeded random {args.validation_fraction:g} slice of each train part (numpy "
                          f"default_rng({args.seed})); models fit on the rest; every tuning (thresholds, early "
                          "stopping, Platt calibration, ensemble weights) uses only this slice",
            "label_space": "models learn the tags of the train part; tags only in the test part are scored as "
                           "never predicted (they count against recall and macro-F1)",
            "metrics": "on the test part: micro-F1, macro-F1 over labels occurring in the test part, samples-F1, "
                       "P@1 (multilabeltext.metrics.evaluate)",
            "decision_rules": {
                name: {**options,
                       "what": {"global": "one threshold tuned on the validation slice for micro-F1, no minimum "
                                          "(the peers' rule, and ours like-for-like)",
                                "per-tag+min1": "Thresholds.fit(method='per-tag', min_tags=1): per-tag "
                                                "thresholds (rare tags fall back to the global one), >= 1 tag",
                                TRAIN_RULE[0]: "multilabeltext train's default (TrainConfig)"}.get(
                           name, f"Thresholds.fit({', '.join(f'{k}={v!r}' for k, v in options.items())})")}
                for name, options in RULES.items()},
            "train_default_rule": TRAIN_RULE[0],
            "word2vec": "models needing vectors get Word2Vec trained on the split's train part only (fit + "
                        "validation rows; never test text)" + ("; pyq: plus all Stack Overflow text under "
                                                               "../shared/datasets except the fold's test rows"
                                                               if args.pyq_vectors == "all-so-text" else ""),
            "quick": "so-titles rows i < 2,500; cooking first 2,000 train / last 500 test lines; 2 pyq folds; "
                     "fastText 5 epochs, Word2Vec 1 epoch, lstm and mlp 1 epoch" if args.quick else None,
            "validation_fraction": args.validation_fraction, "seed": args.seed, "folds": args.folds,
            "only_folds": args.only_folds,
            "pyq_vectors": args.pyq_vectors,
            "pyq_auxiliary": args.pyq_auxiliary,
            "auxiliary_weight": args.auxiliary_weight if args.pyq_auxiliary != "none" else None,
            "auxiliary": "pyq, models taking auxiliary data (multilabeltext.auxiliary): the so-titles rows tagged "
                         "python join training at auxiliary_weight (--auxiliary-weight; default TrainConfig's), "
                         "only for the tags so-titles has; "
                         "rows overlapping the fold's validation or test texts are dropped; never scored or tuned on"
                         if args.pyq_auxiliary != "none" else None,
        },
        "measurement": {
            "train_seconds": "wall clock of fit (ours: everything the model's fit does, e.g. vectorizing, "
                             "calibration (cross_fit + 1 fits for a cross-fitted linear), early stopping); Word2Vec is "
                             "timed separately",
            "predict": "wall clock of predict_proba on the test texts (one call)",
            "tokens_per_second": "training tokens (our tokenizer's, the same count for every model) / train seconds",
            "memory": f"every {INTERVAL} s the summed RSS of this process and its live children (joblib/loky "
                      "workers); models run in-process one after another, so rss_before_mb is what was already "
                      "resident (libraries such as TensorFlow, reusable workers) and peak_rss_mb the peak during "
                      "the fit or predict",
            "busy": f"other processes used more than {BUSY_OTHER_CORES} cores on average during a fit or predict "
                    "(machine-wide busy CPU time minus ours)",
        },
        "peers": {p: {**PEER_DEFAULTS[p], **args.params.get(p, {})} for p in args.peers},
        "models": {m: {"params": jsonable(args.model_params[m]), "skipped": unavailable(m, args.model_params[m])}
                   for m in args.models},
        "notes": notes,
        "datasets": {},
    }
    so_text_cache: dict = {}

    def so_text() -> list[Path]:
        if "dirs" not in so_text_cache:
            pyq = protocol.SOURCES["pyq"]
            import pandas as pd

            pyq_ids = set(pd.read_csv(args.datasets_dir / pyq.files[0], usecols=["ParentId"])["ParentId"].astype(str))
            dirs, summary = protocol.prepare_so_text(work, args.datasets_dir, exclude_ids=pyq_ids)
            so_text_cache.update(dirs=dirs, summary=summary)
            result["so_text_sources"] = summary
        return so_text_cache["dirs"]

    auxiliary_cache: dict = {}

    def auxiliary_dir() -> Path:
        if "dir" not in auxiliary_cache:
            auxiliary_cache["dir"] = protocol.load_source("so-titles", work / "auxiliary", args.datasets_dir).directory
        return auxiliary_cache["dir"]

    try:
        for name in datasets:
            load = os.getloadavg()
            print(f"\n== {name} (load average {load[0]:.2f})", file=sys.stderr)
            t0 = time.perf_counter()
            loaded = protocol.load_source(name, work, args.datasets_dir)
            splits = protocol.protocol_splits(name, len(loaded.frame), args.folds)
            if args.quick:
                splits = [protocol.quick_split(s, name) for s in splits][:2]
            if name == "pyq" and args.only_folds is not None:
                splits = [splits[k] for k in args.only_folds if k < len(splits)]
            entry = {"source": {"files": list(protocol.SOURCES[name].files), "what": protocol.SOURCES[name].what,
                                "prepare_seconds": loaded.prepare_seconds, **jsonable(loaded.checks)},
                     "load_average_before": [round(x, 2) for x in load], "splits": []}
            result["datasets"][name] = entry
            for split in splits:
                entry["splits"].append(run_split(args, loaded, split, work, so_text, auxiliary_dir))
                write(results_path, result)
            entry["summary"] = summarize(entry["splits"])
            entry["seconds"] = round(time.perf_counter() - t0, 1)
            entry["busy"] = any(r.get("busy") for r in entry["summary"].values())
            entry["skipped"] = entry["splits"][0]["skipped"]
            print_table(name, entry["summary"], REFERENCE[name], len(splits), load, entry["busy"])
            alt = peers_with_our_rules(entry["splits"])
            for rule, peers in alt.items():
                print(f"peers with our rule ({rule_label(rule)}): "
                      + ", ".join(f"{p} {v['micro_f1']:.3f} micro-F1 / {v['samples_f1']:.3f} samples-F1"
                                  for p, v in peers.items()))
            entry["peers_with_our_rules"] = alt
            for s in entry["splits"][:1]:
                if "word2vec" in s:
                    w = s["word2vec"]
                    print(f"word2vec ({w['corpus']}): {w['seconds']:.1f} s, {w['words_per_second']:,.0f} words/s"
                          + (f" (first of {len(entry['splits'])} folds)" if len(entry["splits"]) > 1 else ""))
            for m, why in entry["skipped"].items():
                print(f"skipped {m}: {why}")
            write(results_path, result)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    result["complete"] = True
    result["elapsed_seconds"] = round(time.perf_counter() - started_all, 1)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    changed = sorted(k for k, v in git_state()["library_sources_sha256"].items()
                     if result["git"]["library_sources_sha256"].get(k) != v)
    result["git"]["library_files_changed_during_run"] = changed  # on disk; modules imported at start ran as they were
    write(results_path, result)
    print(f"\n'!' = busy run (other processes used > {BUSY_OTHER_CORES} cores on average). Thresholds tuned on "
          f"the validation slice; peers: one global threshold; ours: {'; '.join(rule_label(r) for r in RULES)}. "
          f"Total {result['elapsed_seconds']:.0f} s.")
    print(f"saved {results_path} and its summary {results_path.stem}-summary.json")
    return 0


def write(path: Path, result: dict) -> None:
    """The full results at ``path`` (every split, threshold and epoch: ~0.5 MB, kept out of git) and their
    summary beside it, ``<name>-summary.json`` (the tables, settings and machine: what the repository keeps
    and what ``multilabeltext report --bench`` reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, content in ((path, jsonable(result)), (path.with_name(f"{path.stem}-summary.json"), results_summary(result))):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(content, indent=1) + "\n")
        tmp.replace(target)


def results_summary(result: dict) -> dict:
    """``result`` without the per-split details and the library file hashes, numbers to 4 decimals."""
    summary = {k: v for k, v in result.items() if k not in ("git", "datasets")}
    summary["git"] = {k: result["git"][k] for k in ("commit", "uncommitted") if k in result.get("git", {})}
    summary["datasets"] = {name: {k: v for k, v in ds.items() if k != "splits"}
                           for name, ds in result.get("datasets", {}).items()}
    summary["details"] = "per split: the full results file beside this one (not committed)"
    return _rounded(jsonable(with_external(summary)))


# other names of the protocol datasets, for `multilabeltext report --bench` (its dataset directory may be named so)
DATASET_ALIASES = {"pyq": ["pythonquestions-sample", "pythonquestions"]}


def with_external(summary: dict) -> dict:
    """``summary`` made an external results file for ``multilabeltext report --bench`` (format
    multilabeltext-external-results, version 1: see ``multilabeltext.viz.figures.loader.external_rows``): the
    peers' rows under ``external``, named ``PEER (bench[, N folds])``."""
    external = {}
    for name, ds in summary.get("datasets", {}).items():
        rows = {}
        for row in (ds.get("summary") or {}).values():
            if row.get("kind") == "peer" and "error" not in row:
                folds = int(row.get("splits", 1))
                rows[f"{row['model']} (bench{f', {folds} folds' if folds > 1 else ''})"] = row
        external[name] = {"aliases": DATASET_ALIASES.get(name, []), "rows": rows}
    return {"format": "multilabeltext-external-results", "format_version": 1, **summary, "external": external}


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
