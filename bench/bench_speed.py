"""Speed of the tokenizer, of each model's predict, and of training the default ``linear`` (issue 17).

Sections (``--sections``, default all but ``ensemble``):

* ``tokenizer``: texts/s of ``Tokenizer.batch`` on the pythonquestions texts (the 2018 tutorial's ``clean``,
  ~2,100 characters) and on the so-titles titles, cold (caches cleared), warm (the same texts again) and
  text by text (the per-text path, cold), plus a SHA-256 of all tokens (before/after comparison) and whether
  the batch's tokens equal the per-text path's;
* ``linear``: the default ``linear`` trained on each protocol split (``--datasets``; pyq: ``--pyq-folds``
  folds) with the benchmark protocol (bench/protocol.py: the seeded 10% validation slice, pyq with the
  so-titles python titles as auxiliary rows), train seconds, peak memory, test micro-F1 / P@1 under
  ``multilabeltext train``'s default decision rule (tuned on ``tuning_``), predict texts/s;
* ``predict``: texts/s of one ``predict_proba`` call on the test texts for ``--models`` trained on pyq fold 0
  (long texts) and, for linear and mlp, on so-titles (titles); the ensemble is assembled from the fitted
  members (``EnsembleModel.from_members``): its predict is what is timed;
* ``ensemble``: the default ``ensemble`` trained on so-titles from scratch (train seconds, peak memory, each
  member's fit seconds and the weighting's);
* the cost of linear / mlp at 10 / 100 / 1,000 tags beside Omikuji (``tree``) is ``bench/bench_cost.py``.

Timings on a shared 2-core machine are noisy: each predict / tokenize timing is repeated (``--repeat``) and the
best is kept; the load average (``os.getloadavg()``) is recorded before every measurement. Memory is the
summed RSS of this process and its children, sampled every 0.05 s (MiB). Results go to
``bench/results/speed-<label>.json`` (``--label``, e.g. ``before`` / ``after``).

Example:
    .venv/bin/python bench/bench_speed.py --label after --sections tokenizer,predict
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402
from bench_models import tree_cpu  # noqa: E402  (CPU seconds of a process tree)

REPO = protocol.REPO
RESULTS = REPO / "bench" / "results"
MIB = 2 ** 20


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Peak:
    """Peak summed RSS (MiB) of this process and its children while the block runs; wall seconds."""

    def __enter__(self):
        gc.collect()
        self.proc = psutil.Process()
        self.before = self._rss()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.load = load()
        self.cpu0 = self._cpu()
        self.t0 = time.perf_counter()
        return self

    def _rss(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _cpu(self) -> float:
        return tree_cpu(self.proc)

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.cpu = self._cpu() - self.cpu0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        return False

    def record(self) -> dict:
        return {"seconds": round(self.seconds, 2), "cpu_seconds": round(self.cpu, 1), "peak_rss_mb": round(self.peak / MIB, 1),
                "rss_before_mb": round(self.before / MIB, 1), "load_before": self.load}


def best_rate(fn, n: int, repeat: int) -> dict:
    """Items/s of ``fn()`` (``n`` items), the best of ``repeat`` runs, with the load before each."""
    times, cpus, loads = [], [], []
    for _ in range(repeat):
        loads.append(load())
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    # per CPU second of this process (all its threads): on a loaded machine wall time is mostly waiting for a core
    return {"per_second": round(n / min(times), 1), "per_cpu_second": round(n / max(min(cpus), 1e-9), 1),
            "best_seconds": round(min(times), 4), "all_seconds": [round(t, 4) for t in times],
            "all_cpu_seconds": [round(t, 4) for t in cpus], "n": n, "repeats": repeat, "load_before": loads}


# ------------------------------------------------------------------------------------------ data


class Data:
    """Protocol datasets, prepared once per run into ``work``."""

    def __init__(self, work: Path):
        self.work, self._loaded = work, {}

    def loaded(self, name: str) -> protocol.Loaded:
        if name not in self._loaded:
            self._loaded[name] = protocol.load_source(name, self.work)
        return self._loaded[name]

    def split(self, name: str, fold: int = 0) -> dict:
        from multilabeltext.config import TokenizerConfig
        from multilabeltext.metrics import binarize

        loaded = self.loaded(name)
        split = protocol.protocol_splits(name, len(loaded.frame))[fold]
        texts, tags = loaded.frame["text"].tolist(), [list(t) for t in loaded.frame["tags"]]
        fit_idx, val_idx = protocol.validation_slice(split.train)
        labels = sorted({t for i in split.train for t in tags[i]})
        test_only = sorted({t for i in split.test for t in tags[i]} - set(labels))
        pick = lambda idx: [texts[i] for i in idx]  # noqa: E731
        out = {"name": f"{name}/{split.name}", "labels": labels, "test_only": test_only,
               "fit": (pick(fit_idx), binarize([tags[i] for i in fit_idx], labels)),
               "val": (pick(val_idx), binarize([tags[i] for i in val_idx], labels)),
               "test": (pick(split.test), binarize([tags[i] for i in split.test], labels + test_only)),
               "tokenizer": TokenizerConfig.from_dict(loaded.tokenizer), "auxiliary": None}
        if name == "pyq":  # the benchmark's default: so-titles titles tagged python as auxiliary rows
            from multilabeltext.auxiliary import load_auxiliary
            from multilabeltext.config import TrainConfig

            out["auxiliary"] = load_auxiliary(self.loaded("so-titles").directory, labels,
                                              weight=TrainConfig().auxiliary_weight, require_tag="python",
                                              exclude=out["val"][0] + out["test"][0])
        return out


def fit_model(name: str, data: dict, params: dict | None = None, vectors=None):
    from multilabeltext.models import get_model

    model = get_model(name, params or {})
    model.fit(*data["fit"], labels=data["labels"], validation=data["val"], tokenizer=data["tokenizer"],
              vectors=vectors, auxiliary=data["auxiliary"] if model.supports_auxiliary else None)
    return model


def score(model, data: dict) -> dict:
    """Test micro-F1 / P@1 under ``train``'s default rule, tuned on the model's ``tuning_`` rows."""
    from multilabeltext.config import TrainConfig
    from multilabeltext.metrics import evaluate
    from multilabeltext.thresholds import Thresholds, apply

    d = TrainConfig()
    Y_tune, proba_tune = model.tuning_
    th = Thresholds.fit(Y_tune, proba_tune, method=d.threshold, min_tags=d.min_tags, fixed=d.fixed_threshold)
    texts, Y_test = data["test"]
    proba = model.predict_proba(texts)
    proba = np.hstack([proba, np.zeros((len(proba), len(data["test_only"])), dtype=proba.dtype)])
    vec = np.concatenate([th.vector(Y_tune.shape[1]), np.ones(len(data["test_only"]))])
    m = evaluate(Y_test, apply(proba, vec, min_tags=d.min_tags), proba)
    return {k: round(float(m[k]), 4) for k in ("micro_f1", "macro_f1", "samples_f1", "p_at_1") if k in m}


def word2vec(data: Data, name: str, fold: int = 0):
    """Word2Vec (default settings) on the split's fit + validation texts, as the benchmark trains it."""
    from multilabeltext.embeddings import train_word2vec

    loaded = data.loaded(name)
    split = protocol.protocol_splits(name, len(loaded.frame))[fold]
    fit_idx, val_idx = protocol.validation_slice(split.train)
    directory = protocol.write_split_dataset(loaded, data.work / "splits" / f"{name}-{fold}", fit_idx, val_idx,
                                             split.test, protocol={"split": split.name})
    return train_word2vec([directory])


# ------------------------------------------------------------------------------------------ sections


def section_tokenizer(data: Data, args) -> dict:
    from multilabeltext.config import TokenizerConfig
    from multilabeltext.data.tokenizer import Tokenizer, clear_caches

    def cold(config, texts):
        clear_caches()
        return Tokenizer(config).batch(texts)

    def cold_per_text(config, texts):  # the per-text path (what a caller tokenizing text by text gets)
        clear_caches()
        tok = Tokenizer(config)
        return [tok(t) for t in texts]

    def digest(token_lists) -> str:
        return hashlib.sha256("\n".join(" ".join(t) for t in token_lists).encode()).hexdigest()

    out = {}
    for name in ("pyq", "so-titles"):
        loaded = data.loaded(name)
        texts = loaded.frame["text"].tolist()
        config = TokenizerConfig.from_dict(loaded.tokenizer)
        tokens = cold(config, texts)
        tok = Tokenizer(config)
        # cold: nothing remembered (what one predict call of a freshly loaded model sees); warm: the same texts
        # again, as the second member of an ensemble sees them; per_text: cold, one call per text
        rate = best_rate(lambda c=config, x=texts: cold(c, x), len(texts), args.repeat)
        warm = best_rate(lambda t=tok, x=texts: t.batch(x), len(texts), args.repeat)
        per_text = best_rate(lambda c=config, x=texts: cold_per_text(c, x), len(texts), args.repeat)
        same = digest(tokens) == digest(cold_per_text(config, texts))
        out[name] = {**rate, "warm": warm, "per_text": per_text,
                     "mean_chars": round(float(np.mean([len(t) for t in texts])), 1), "tokens": sum(map(len, tokens)),
                     "tokens_sha256": digest(tokens), "batch_equals_per_text": same}
        print(f"tokenizer {name}: {rate['per_second']:,.0f} texts/s ({rate['per_cpu_second']:,.0f} per CPU s), again "
              f"{warm['per_second']:,.0f} ({warm['per_cpu_second']:,.0f}), text by text {per_text['per_second']:,.0f} "
              f"({per_text['per_cpu_second']:,.0f}); same tokens as text by text: {same} "
              f"(load {rate['load_before'][0]})", file=sys.stderr)
    return out


def section_linear(data: Data, args) -> dict:
    out = {}
    for name in args.datasets:
        folds = range(args.pyq_folds) if name == "pyq" else [0]
        runs = []
        for fold in folds:
            split = data.split(name, fold)
            with Peak() as p:
                model = fit_model("linear", split, args.linear_params)
            texts = split["test"][0]
            rate = best_rate(lambda m=model, x=texts: m.predict_proba(x), len(texts), args.repeat)
            run = {"split": split["name"], "train": p.record(), "test": score(model, split),
                   "predict_texts_per_second": rate["per_second"], "predict": rate}
            runs.append(run)
            print(f"linear {split['name']}: {p.seconds:.1f} s ({p.cpu:.0f} CPU s), {run['test']}, peak {p.peak / MIB:,.0f} MiB "
                  f"(load {p.load[0]})", file=sys.stderr)
            del model
        mean = {k: round(float(np.mean([r["test"][k] for r in runs])), 4) for k in runs[0]["test"]}
        out[name] = {"runs": runs, "mean_test": mean,
                     "train_seconds": round(float(np.mean([r["train"]["seconds"] for r in runs])), 2)}
    return out


def section_predict(data: Data, args) -> dict:
    out = {}
    pyq = data.split("pyq", 0)
    fitted = {}
    vectors = None
    for name in [m for m in args.models if m != "ensemble"]:
        if name == "lstm":
            vectors = vectors or word2vec(data, "pyq")
        fitted[name] = fit_model(name, pyq, args.model_params.get(name), vectors=vectors if name == "lstm" else None)
    if "ensemble" in args.models:
        from multilabeltext.models.ensemble import EnsembleModel

        members = [fitted[m] for m in ("linear", "mlp", "lstm") if m in fitted]
        fitted["ensemble"] = EnsembleModel.from_members(members, pyq["val"])
    texts = pyq["test"][0]
    out["pyq"] = {}
    for name, model in fitted.items():
        model.predict_proba(texts[:10])  # warm-up (TensorFlow's first call traces)
        rate = best_rate(lambda m=model: m.predict_proba(texts), len(texts), args.repeat)
        out["pyq"][name] = rate
        print(f"predict pyq {name}: {rate['per_second']:,.0f} texts/s (load {rate['load_before'][0]})", file=sys.stderr)
    del fitted
    gc.collect()
    titles = data.split("so-titles", 0)
    texts = titles["test"][0]
    out["so-titles"] = {}
    for name in [m for m in args.models if m in ("linear", "mlp")]:
        model = fit_model(name, titles, args.model_params.get(name))
        model.predict_proba(texts[:10])
        rate = best_rate(lambda m=model: m.predict_proba(texts), len(texts), args.repeat)
        out["so-titles"][name] = rate
        print(f"predict so-titles {name}: {rate['per_second']:,.0f} texts/s (load {rate['load_before'][0]})",
              file=sys.stderr)
    return out


def section_ensemble(data: Data, args) -> dict:
    titles = data.split("so-titles", 0)
    with Peak() as p:
        vectors = word2vec(data, "so-titles")
        model = fit_model("ensemble", titles, args.model_params.get("ensemble"), vectors=vectors)
    texts = titles["test"][0]
    rate = best_rate(lambda: model.predict_proba(texts), len(texts), args.repeat)
    rec = {"train_with_word2vec": p.record(), "member_fit_seconds": getattr(model, "fit_seconds_", None),
           "test": score(model, titles), "predict": rate}
    print(f"ensemble so-titles: {p.seconds:.1f} s, peak {p.peak / MIB:,.0f} MiB, {rec['test']}", file=sys.stderr)
    return {"so-titles": rec}


SECTIONS = {"tokenizer": section_tokenizer, "linear": section_linear, "predict": section_predict,
            "ensemble": section_ensemble}


def parse_params(items: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in items:
        model, _, setting = item.partition(":")
        key, _, value = setting.partition("=")
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
        out.setdefault(model, {})[key] = value
    return out


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--label", default="latest", help="results go to bench/results/speed-LABEL.json")
    ap.add_argument("--sections", default="tokenizer,linear,predict", help=f"of {','.join(SECTIONS)}")
    ap.add_argument("--datasets", default="so-titles,cooking,pyq", help="for the linear section")
    ap.add_argument("--pyq-folds", type=int, default=1, help="pyq folds for the linear section (of 5)")
    ap.add_argument("--models", default="linear,mlp,lstm,ensemble", help="for the predict section")
    ap.add_argument("--params", action="append", default=[], help="MODEL:KEY=VALUE (JSON value)")
    ap.add_argument("--repeat", type=int, default=5, help="repeats of each short timing (the best is kept)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    args.datasets = args.datasets.split(",")
    args.models = args.models.split(",")
    args.model_params = parse_params(args.params)
    args.linear_params = args.model_params.get("linear", {})
    out_path = args.out or RESULTS / f"speed-{args.label}.json"
    result = json.loads(out_path.read_text()) if out_path.exists() else {}
    result.update({"label": args.label, "commit": git_commit(), "cores": len(os.sched_getaffinity(0)),
                   "argv": sys.argv[1:]})
    result.setdefault("sections", {})
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        data = Data(Path(tmp))
        for section in args.sections.split(","):
            started = time.perf_counter()
            rec = SECTIONS[section](data, args)
            if section == "linear":  # one dataset per run adds to the others
                rec = {**result["sections"].get(section, {}).get("result", {}), **rec}
            result["sections"][section] = {"result": rec, "seconds": round(time.perf_counter() - started, 1),
                                           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                           "commit": git_commit(), "params": args.model_params}
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
