"""How the cost of our models grows with the number of tags, Omikuji's label trees beside them (issue 17).

Two sections (``--sections``, default both):

* ``cost``: the same rows at 10, 100 and 1,000 tags (``--tags``). The rows are the synthetic Kaggle dump of
  ``bench/make_kaggle_dump.py`` at ``--scale`` (default 0.01: 6,073 questions, generated in ~3 s into ``/tmp``
  and reused), prepared by our ``prepare`` (``--exclude-tag python``, every row kept in file order: 5,599 rows
  once the questions with no tag but ``python`` are dropped) with ``--fields`` (default ``title``: real
  so-titles titles, ~50 characters, so 1,000 one-vs-rest tags fit in minutes on 2 cores; ``title,body,answers``
  gives ~3,000-character texts and costs ~8x more per tag). Its tags (2,193 at this scale, ~2,460 at full size)
  are drawn at random (Zipf), so its accuracy means nothing: it is read for cost only. At each tag count the rows keep only the K tags most
  frequent in the train part (same rows every time, a row may be left with no tag); test = ``i % 5 == 0`` (the
  so-titles rule of ``bench/protocol.py``), validation = its seeded 10% slice of the rest.
* ``accuracy``: cooking (736 real tags) under the benchmark protocol (``bench/protocol.py``: first 12,404 lines
  train, last 3,000 test, the seeded 10% validation slice): micro-F1, P@1, P@3 of every model.

Every run is ``bench_models.run_guarded`` (``multilabeltext.core``'s fit -> tune -> score with the benchmark's
meters): train wall and CPU seconds (this process and its workers, less sensitive to the load of the shared
machine than wall time), peak RSS of the process tree (sampled every 0.05 s; the data of the run is resident
too, see ``peak_over_start_mb``), predict texts/s (one ``predict_proba`` call on the test texts), and here the
model's size on disk (``save`` into a temporary directory). The load average is saved before every timing.
Models: ``--models`` from the registry, default ``linear,tree,mlp``; ``tree`` is Omikuji (Parabel-style label
trees, ``multilabeltext/models/tree.py``) on the same TF-IDF features as ``linear``. Thresholds are tuned by
the library (``core.tune``) under ``train``'s default rule and the peers' plain global one only (the other rules
of ``bench_models`` would add minutes at 1,000 tags and are not about cost).

Results: ``bench/results/cost-tags.json`` (``--quick``: ``cost-tags-quick.json``) and a printed table.

Example:
    .venv/bin/python bench/bench_cost.py --quick                  # smoke run, ~1 min
    .venv/bin/python bench/bench_cost.py                          # ~850 CPU s: ~10-12 min on 2 idle cores
    .venv/bin/python bench/bench_cost.py --sections cost --tags 10,100 --models linear,tree --scale 0.01
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_models  # noqa: E402  (next to this file)
import make_kaggle_dump  # noqa: E402
import protocol  # noqa: E402

RESULTS_DIR = bench_models.RESULTS_DIR
MIB = bench_models.MIB
DUMPS = Path("/tmp/multilabeltext-bench")
DEFAULT_MODELS = "linear,tree,mlp"  # the Keras model last: TensorFlow stays resident once imported
DEFAULT_SCALE, DEFAULT_FIELDS = 0.01, "title"  # ~5,600 rows of titles (see the module docstring)
QUICK = {"scale": 0.002, "tags": "10,100"}  # --quick: ~1,100 rows; cooking: bench_models' quick split
ISSUE_COOKING = {"omikuji": {"p_at_1": 0.723, "train_seconds": 50}, "linear": {"p_at_1": 0.733, "train_seconds": 155}}

# Decision rules tuned per run: train's default (the table's) and the peers' plain global threshold.
bench_models.RULES = {name: bench_models.RULES[name] for name in dict.fromkeys([bench_models.TRAIN_RULE[0], "global"])}


def omikuji_version() -> dict:
    import importlib.metadata

    try:
        return {"omikuji": importlib.metadata.version("omikuji")}
    except importlib.metadata.PackageNotFoundError:
        return {}


def load_now() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------------- rows


def dump_rows(scale: float, work: Path, fields: str) -> tuple[protocol.Loaded, dict]:
    """The synthetic dump at ``scale`` (generated once into /tmp, reused after) prepared by our ``prepare``."""
    from multilabeltext.data.dataset import load_dataset

    out = DUMPS / f"kaggle-scale{scale:g}"
    started = time.perf_counter()
    meta = make_kaggle_dump.ensure_dump(out, scale=scale, quiet=True)
    ensure_seconds = time.perf_counter() - started
    started = time.perf_counter()
    settings = {"exclude_tags": ["python"], "fields": fields.split(",")}
    result, config = protocol.prepare_quietly([out / "Questions.csv"], work / "prepared" / "kaggle-dump", settings)
    prepare_seconds = time.perf_counter() - started
    frame = load_dataset(result.out).sort_values("row", kind="stable").reset_index(drop=True)
    loaded = protocol.Loaded(name="kaggle-dump", directory=Path(result.out), frame=frame, manifest=result.manifest,
                             tokenizer=result.manifest["tokenizer"], prepare_seconds=round(prepare_seconds, 2))
    source = {"dump": str(out), "scale": scale, "dump_params": meta["params"], "dump_counts": meta["counts"],
              "dump_generated_seconds": meta["seconds"], "dump_ready_seconds_this_run": round(ensure_seconds, 1),
              "prepare_seconds": round(prepare_seconds, 1), "prepare_config": config.to_dict(),
              "prepare_counts": {k: v for k, v in result.counts.items() if k != "malformed_examples"},
              "rows": len(frame), "mean_text_chars": round(float(frame["text"].str.len().mean()), 1),
              "load_after_prepare": load_now()}
    return loaded, source


def top_tags(loaded: protocol.Loaded, rows: np.ndarray, k: int) -> protocol.Loaded:
    """The same rows with only the ``k`` tags most frequent in ``rows`` (ties: by name)."""
    counts = collections.Counter(t for i in rows for t in loaded.frame["tags"].iloc[i])
    keep = {t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]}
    frame = loaded.frame.assign(tags=[[t for t in tags if t in keep] for tags in loaded.frame["tags"]])
    return dataclasses.replace(loaded, frame=frame)


# ---------------------------------------------------------------------------------------------- runs


def run_models(models: list[str], params: dict, data: bench_models.SplitData, quick: bool) -> dict:
    """Each model through ``bench_models.run_guarded`` (fit -> tune -> score, metered), plus its size on disk."""
    from multilabeltext import core
    from multilabeltext.models import get_model

    runs = {}
    for name in models:
        settings = bench_models.quick_params(name, params.get(name, {})) if quick else params.get(name, {})
        sizes = {}

        def fit(name=name, settings=settings):
            model = get_model(name, settings)
            return core.fit(model, data.labels, data.texts_fit, data.Y_fit, validation=(data.texts_val, data.Y_val),
                            tokenizer=data.tokenizer, rule=bench_models.TRAIN_RULE[1])

        def keep(model, seconds, sizes=sizes):
            with tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
                started = time.perf_counter()
                model.save(Path(tmp) / "m")
                sizes["save_seconds"] = round(time.perf_counter() - started, 2)
                sizes["bytes"] = directory_bytes(Path(tmp) / "m")
                sizes["files"] = {str(p.relative_to(Path(tmp) / "m")): p.stat().st_size
                                  for p in sorted((Path(tmp) / "m").rglob("*")) if p.is_file()}

        run = bench_models.run_guarded(name, "ours", fit, lambda m, t: m.predict_proba(t), data, settings, keep=keep)
        if "error" not in run:
            run["model_size"] = {"mb": round(sizes["bytes"] / MIB, 2), **sizes}
        runs[name] = run
    return runs


def row_of(run: dict) -> dict:
    """The table's figures of one run (train's default rule on the test part)."""
    if "error" in run:
        return {"error": run["error"]}
    test = run["rules"][bench_models.TRAIN_RULE[0]]["test"]
    train, predict = run["train"], run["predict"]
    return {"train_seconds": round(train["seconds"], 1), "train_cpu_seconds": train["cpu_seconds"],
            "predict_texts_per_second": round(predict["texts_per_second"]),
            "predict_texts_per_cpu_second": round(predict["texts"] / max(predict["cpu_seconds"], 1e-3)),
            "model_mb": run["model_size"]["mb"], "peak_rss_mb": round(run["peak_rss_mb"]),
            "peak_over_start_mb": round(run["peak_over_start_mb"]),
            "micro_f1": round(test["micro_f1"], 4), "p_at_1": round(test["p_at_1"], 4),
            "p_at_3": round(test["p_at_3"], 4),
            "load_before_train": train["load_average_before"], "load_before_predict": predict["load_average_before"],
            "busy": run["busy"]}


def section_cost(args, work: Path) -> dict:
    loaded, source = dump_rows(args.scale, work, args.fields)
    split = protocol.protocol_splits("so-titles", len(loaded.frame))[0]  # test = i % 5 == 0
    print(f"cost rows: {len(loaded.frame):,} prepared questions of the dump at scale {args.scale:g} "
          f"({args.fields}: {source['mean_text_chars']:,.0f} characters on average), tags {args.tags}", file=sys.stderr)
    by_tags = {str(k): {} for k in args.tags}
    # one model at a time over every tag count: linear and tree run before the mlp brings TensorFlow into the
    # process (~3 GiB resident from then on), so their peak RSS is not TensorFlow's
    for name in args.models:
        for k in args.tags:
            data = bench_models.SplitData(top_tags(loaded, split.train, k), split, args.validation_fraction, args.seed)
            block = by_tags[str(k)]
            if not block:
                block.update({**data.describe(), "tagged_fit_rows": int(data.Y_fit.any(axis=1).sum()),
                              "table": {}, "runs": {}})
            print(f"  {k} tags, {name}: fit {len(data.texts_fit):,}, validation {len(data.texts_val):,}, test "
                  f"{len(data.texts_test):,}, {len(data.labels)} labels (load {load_now()})", file=sys.stderr)
            run = run_models([name], args.params, data, args.quick)[name]
            block["runs"][name], block["table"][name] = run, row_of(run)
    return {"rows": source, "split": split.rule, "by_tags": by_tags}


def section_accuracy(args, work: Path) -> dict:
    loaded = protocol.load_source("cooking", work)
    split = protocol.protocol_splits("cooking", len(loaded.frame))[0]
    if args.quick:
        split = protocol.quick_split(split, "cooking")
    data = bench_models.SplitData(loaded, split, args.validation_fraction, args.seed)
    print(f"accuracy: cooking, fit {len(data.texts_fit):,}, validation {len(data.texts_val):,}, test "
          f"{len(data.texts_test):,}, {len(data.labels)} labels (load {load_now()})", file=sys.stderr)
    runs = run_models(args.models, args.params, data, args.quick)
    out = {**data.describe(), "load_before": load_now(), "issue_reference": ISSUE_COOKING,
           "table": {n: row_of(r) for n, r in runs.items()}, "runs": runs, "repeats": {}}
    for name, n in args.repeats.items():  # more fits of a model whose fit is not seeded (tree: Omikuji's k-means)
        rows = [out["table"][name]] if name in out["table"] else []
        for _ in range(n - len(rows)):
            rows.append(row_of(run_models([name], args.params, data, args.quick)[name]))
        ok = [r for r in rows if "error" not in r]
        out["repeats"][name] = {"fits": rows, **{f"{key}_{stat}": round(float(fn([r[key] for r in ok])), 4)
                                                 for key in ("micro_f1", "p_at_1", "p_at_3", "train_cpu_seconds")
                                                 for stat, fn in (("mean", np.mean), ("min", np.min), ("max", np.max))}}
        print(f"    {name} x{len(ok)}: P@1 {out['repeats'][name]['p_at_1_mean']:.4f} (min "
              f"{out['repeats'][name]['p_at_1_min']:.4f}), P@3 {out['repeats'][name]['p_at_3_mean']:.4f}", file=sys.stderr)
    return out


# ---------------------------------------------------------------------------------------------- report


def growth(by_tags: dict, model: str, key: str) -> dict | None:
    """``key`` at the largest tag count over the smallest, and the same for the tag counts (linear = equal)."""
    rows = [(int(k), v["table"].get(model, {})) for k, v in by_tags.items()]
    rows = [(k, r[key]) for k, r in rows if key in r]
    if len(rows) < 2:
        return None
    (k0, v0), (k1, v1) = rows[0], rows[-1]
    return {"from_tags": k0, "to_tags": k1, "tags_ratio": round(k1 / k0, 1), "ratio": round(v1 / max(v0, 1e-9), 2)}


def print_table(result: dict) -> None:
    cols = ("train_seconds", "train_cpu_seconds", "predict_texts_per_second", "model_mb", "peak_rss_mb",
            "micro_f1", "p_at_1", "p_at_3")
    head = "| rows | tags | model | train s | train CPU s | predict texts/s | model MiB | peak RSS MiB | micro-F1 | P@1 | P@3 | load before train |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def add(rows: str, tags, table: dict):
        for name, r in table.items():
            if "error" in r:
                lines.append(f"| {rows} | {tags} | {name} | failed: {r['error'][:60]} |")
                continue
            figures = " | ".join(f"{r[c]:,}" if isinstance(r[c], int) else f"{r[c]}" for c in cols)
            lines.append(f"| {rows} | {tags} | {name} | {figures} | {r['load_before_train'][0]} |")

    cost = result["sections"].get("cost")
    if cost:
        for k, block in cost["by_tags"].items():
            add("dump", f"{int(k):,} ({block['labels_in_train_part']:,})", block["table"])
    acc = result["sections"].get("accuracy")
    if acc:
        add("cooking", acc["labels_in_train_part"], acc["table"])
    for name, rep in (acc or {}).get("repeats", {}).items():
        lines.append(f"| cooking | {acc['labels_in_train_part']} | {name}, {len(rep['fits'])} fits: mean (min-max) | | "
                     f"{rep['train_cpu_seconds_mean']} | | | | " + " | ".join(
                         f"{rep[k + '_mean']} ({rep[k + '_min']}-{rep[k + '_max']})" for k in ("micro_f1", "p_at_1", "p_at_3"))
                     + " | |")
    print("\n".join(lines))
    if cost:
        for name in result["models"]:
            g = growth(cost["by_tags"], name, "train_cpu_seconds")
            if g:
                print(f"{name}: train CPU seconds x{g['ratio']} from {g['from_tags']} to {g['to_tags']} tags "
                      f"(tags x{g['tags_ratio']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--sections", default="cost,accuracy", help="cost, accuracy (comma-separated)")
    parser.add_argument("--models", default=DEFAULT_MODELS, help=f"registered models (default {DEFAULT_MODELS})")
    parser.add_argument("--tags", default=None, help="tag counts of the cost section (default 10,100,1000)")
    parser.add_argument("--scale", type=float, default=None,
                        help=f"scale of the synthetic dump (default {DEFAULT_SCALE}; --quick {QUICK['scale']})")
    parser.add_argument("--fields", default=DEFAULT_FIELDS,
                        help=f"prepare --fields of the dump's rows (default {DEFAULT_FIELDS}; e.g. title,body,answers)")
    parser.add_argument("--params", action="append", default=[], metavar="MODEL:KEY=VALUE",
                        help="a model setting, e.g. tree:n_trees=1 (repeatable)")
    parser.add_argument("--repeats", action="append", default=[], metavar="MODEL=N",
                        help="accuracy section: fit MODEL N times in all (its fit is not seeded: tree), e.g. tree=5")
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--quick", action="store_true", help="smoke run: a tiny dump, 10 and 100 tags, cooking's "
                        "quick split, 1 mlp epoch")
    parser.add_argument("--results", type=Path, default=None, help="JSON path (default bench/results/cost-tags.json)")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - {"cost", "accuracy"}
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}: use cost, accuracy")
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    missing = [m for m in args.models if m not in bench_models.registry()]
    if missing:
        parser.error(f"not registered: {', '.join(missing)} (registered: {', '.join(sorted(bench_models.registry()))})")
    args.scale = args.scale if args.scale is not None else (QUICK["scale"] if args.quick else DEFAULT_SCALE)
    args.tags = [int(t) for t in (args.tags or (QUICK["tags"] if args.quick else "10,100,1000")).split(",")]
    args.params = bench_models.parse_params(args.params)
    try:
        args.repeats = {name: int(n) for name, _, n in (item.partition("=") for item in args.repeats)}
    except ValueError:
        parser.error("--repeats takes MODEL=N, e.g. tree=5")
    results = args.results or RESULTS_DIR / ("cost-tags-quick.json" if args.quick else "cost-tags.json")

    started, load_start = time.perf_counter(), load_now()
    work = Path(tempfile.mkdtemp(prefix="bench-cost-"))
    result = {"benchmark": "bench/bench_cost.py", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "command": " ".join(["bench/bench_cost.py", *(argv if argv is not None else sys.argv[1:])]),
              "quick": args.quick, "models": args.models, "rule": bench_models.TRAIN_RULE[0],
              "machine": bench_models.machine(tuple(load_start)), "versions": {**bench_models.versions(), **omikuji_version()},
              "git": bench_models.git_state(), "sections": {}}
    try:
        from multilabeltext.progress import set_quiet

        set_quiet(True)
        if "cost" in args.sections:
            result["sections"]["cost"] = section_cost(args, work)
        if "accuracy" in args.sections:
            result["sections"]["accuracy"] = section_accuracy(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_start"], result["load_end"] = load_start, load_now()
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(bench_models.jsonable(result), indent=1) + "\n", encoding="utf-8")
    print_table(result)
    print(f"{result['seconds']:.0f} s; load {load_start} -> {result['load_end']}; saved {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
