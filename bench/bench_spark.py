"""`prepare` on the embedded engine and on Spark local[2], on the resampled full-size Kaggle dump.

For each ``--scale`` (1 = the real dump's 607,282 questions, ~2 GB; 4 = ~8 GB), in the same run:

    <venv python> -m multilabeltext prepare <dump>/Questions.csv --out <tmp> --top-n 10 --exclude-tag python
        --force --quiet [--engine spark --spark-master local[2]]

Measured per run: wall clock, CPU time and peak memory of the whole process tree (the CLI, the JVM and its
Python workers: RSS summed every 0.1 s; CPU summed over every process seen, and per role in ``cpu_seconds_per_role``); the peak is also broken down by role
(``at_peak_mb``: the CLI, the JVM, the Python workers at the moment of the peak; ``peak_per_role_mb``: each one's
own peak). Spark's start-up (a session started and stopped, nothing else) is measured on its own and reported
separately. From the Spark run's CPU time per input byte, an estimate of the full Stack Overflow dump (24M questions, 35M answers, ~100 GB of
Posts.xml) on 8, 32 and 128 executor cores, with its assumptions, goes into the JSON too.

The machine is shared: the load average before each run is recorded with its figures.

With ``--train``: the ``linear`` model trained on Spark (``train --engine spark``) and by the embedded engine on
so-titles (50,498 titles; datasets of its 10 and 100 commonest tags, the embedded 80/10/10 iterative split), the same
figures plus both engines' test micro-F1 (target: Spark within 0.01 of the embedded): how the Spark training
cost grows with the number of tags (one Spark ML classifier per tag).

Usage:
    python bench/bench_spark.py --scales 0.25,1          # JSON to bench/results/spark.json
    python bench/bench_spark.py --train --tags 10,100    # JSON to bench/results/spark-train.json
    python bench/bench_spark.py --predict                # batch predict texts/s: bench/results/spark-predict.json
    python bench/bench_spark.py --predict --predict-dataset data/kaggle-rows \
        --predict-results bench/results/spark-predict-kaggle.json   # on prepared full-size question rows
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_kaggle_dump  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "spark.json"
TRAIN_RESULTS = REPO / "bench" / "results" / "spark-train.json"
SO_TITLES = REPO.parent / "shared" / "datasets" / "so-titles" / "so_titles.tsv"
MIB = 2 ** 20
INTERVAL = 0.1
TARGETS = {"spark_vs_embedded_at_scale_1": 1.5, "time_growth_scale_1_to_4": 4.4}
FULL_DUMP = {"questions": 24_000_000, "answers": 35_000_000, "bytes": 100e9}
EFFICIENCY = {8: 0.85, 32: 0.75, 128: 0.6}  # assumed parallel efficiency (shuffles, stragglers, driver steps)


def venv_python() -> str:
    candidate = REPO / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def measure(cmd: list[str]) -> dict:
    """Wall, CPU (every process of the tree) and peak RSS (sum over the tree) of ``cmd``."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err, env=env)
        root = psutil.Process(proc.pid)
        cpu: dict[int, float] = {}
        roles: dict[int, str] = {}
        peak, peak_by_role, role_peaks = 0, {}, {}
        while proc.poll() is None:
            rss: dict[str, int] = {}
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    with p.oneshot():
                        role = role_of(p, root)
                        rss[role] = rss.get(role, 0) + p.memory_info().rss
                        t = p.cpu_times()
                        # a process's own time only: a reaped child's time also lands in its parent's
                        # children_* fields, and the child was sampled while it ran (counted twice before)
                        cpu[p.pid] = t.user + t.system
                        roles[p.pid] = role
                except psutil.Error:
                    pass
            for role, value in rss.items():
                role_peaks[role] = max(role_peaks.get(role, 0), value)
            if sum(rss.values()) > peak:
                peak, peak_by_role = sum(rss.values()), rss
            time.sleep(INTERVAL)
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    per_role: dict[str, float] = {}
    for pid, seconds_used in cpu.items():
        per_role[roles[pid]] = per_role.get(roles[pid], 0.0) + seconds_used
    return {"seconds": round(seconds, 1), "cpu_seconds": round(sum(cpu.values()), 1),
            "cpu_seconds_per_role": {role: round(value, 1) for role, value in sorted(per_role.items())},
            "peak_rss_mb": round(peak / MIB),
            "at_peak_mb": {role: round(value / MIB) for role, value in sorted(peak_by_role.items())},
            "peak_per_role_mb": {role: round(value / MIB) for role, value in sorted(role_peaks.items())},
            "returncode": proc.returncode, "stderr_tail": stderr[-2000:]}


def role_of(process: psutil.Process, root: psutil.Process) -> str:
    """Which part of the run a process is: the CLI itself, the JVM, or a Python worker (Spark's or a pool's)."""
    if process.pid == root.pid:
        return "cli"
    return "jvm" if process.name() == "java" else "python_workers"


def prepare_cmd(questions: Path, out: Path, engine: str, master: str, conf: tuple[str, ...] = ()) -> list[str]:
    cmd = [venv_python(), "-m", "multilabeltext", "prepare", str(questions), "--out", str(out), "--top-n", "10",
           "--exclude-tag", "python", "--force", "--quiet"]
    if engine != "spark":
        return cmd
    return cmd + ["--engine", "spark", "--spark-master", master] + [x for pair in conf for x in ("--spark-conf", pair)]


def startup(master: str) -> dict:
    code = ("from multilabeltext.spark.session import get_session; "
            f"get_session({master!r}).stop()")
    return measure([venv_python(), "-c", code])


def counts_of(out: Path) -> dict:
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in manifest["counts"].items() if k != "malformed_examples"}


def estimate(spark_run: dict, start: dict, input_bytes: int, cores_used: int) -> dict:
    """Wall time of the full dump on N executor cores, from the measured CPU seconds per input byte."""
    busy = max(spark_run["seconds"] - start["seconds"], 1.0)
    cpu_per_byte = spark_run["cpu_seconds"] / input_bytes
    core_seconds_full = cpu_per_byte * FULL_DUMP["bytes"]
    out = {"assumptions": [
        "the per-byte CPU cost measured here (Kaggle CSV, HTML bodies, local[2]) holds for Posts.xml "
        "(XML attributes instead of CSV quoting; the same cleaning, which dominates)",
        f"the full dump: {FULL_DUMP['questions']:,} questions, {FULL_DUMP['answers']:,} answers, "
        f"~{FULL_DUMP['bytes'] / 1e9:.0f} GB of Posts.xml, split into 128 MB tasks (~800 tasks)",
        f"parallel efficiency {EFFICIENCY} (shuffles of the join and the dedupe window, stragglers, the "
        "driver's small steps), executors with 2-4 GB per core, the input read at >= 50 MB/s per core",
        "plus the start-up measured here; one task writing the split files (one Parquet file each, ~30 GB of "
        "text in all) at ~200 MB/s",
    ], "measured": {"cpu_seconds_per_gb": round(cpu_per_byte * 1e9, 1),
                    "busy_seconds_local": round(busy, 1), "cores_used": cores_used},
        "core_hours_full_dump": round(core_seconds_full / 3600, 1), "hours": {}}
    for cores, eff in EFFICIENCY.items():
        seconds = core_seconds_full / (cores * eff) + start["seconds"] + 30e9 / 200e6
        out["hours"][str(cores)] = round(seconds / 3600, 2)
    return out


def train_bench(args) -> int:
    """``--train``: linear on Spark vs embedded on so-titles at each ``--tags`` count (see the module docstring)."""
    result = {"benchmark": "train --model linear, embedded vs --engine spark, so-titles",
              "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "master": args.master, "spark_params": args.spark_param,
              "machine": {"cpu_count": os.cpu_count(), "memory_mb": round(psutil.virtual_memory().total / MIB),
                          "note": "shared by other jobs: see each load average"},
              "targets": {"spark_micro_f1_within": 0.01}, "runs": []}
    results = args.results if args.results != RESULTS else TRAIN_RESULTS
    for tags in [int(t) for t in args.tags.split(",")]:
        tmp = Path(tempfile.mkdtemp(prefix="mlt-bench-spark-train-"))
        data = tmp / "data"
        prepared = measure([venv_python(), "-m", "multilabeltext", "prepare", str(SO_TITLES), "--out", str(data),
                            "--text-column", "title", "--label-column", "tags",
                            "--top-n", str(tags), "--quiet"])
        if prepared["returncode"] != 0:
            print(prepared["stderr_tail"], file=sys.stderr)
            return 1
        run = {"tags": tags, "splits": json.loads((data / "manifest.json").read_text())["counts"]["splits"]}
        for engine in args.engines.split(","):
            cmd = [venv_python(), "-m", "multilabeltext", "train", str(data), "--out", str(tmp / engine), "--quiet"]
            if engine == "spark":
                cmd += ["--engine", "spark", "--spark-master", args.master]
                cmd += [arg for param in args.spark_param for arg in ("--param", param)]
            load = os.getloadavg()[0]
            figures = measure(cmd)
            figures["load_average_before"] = round(load, 2)
            if figures["returncode"] != 0:
                print(f"{engine} failed:\n{figures['stderr_tail']}", file=sys.stderr)
            else:
                figures.pop("stderr_tail")
                saved = json.loads((tmp / engine / "model.json").read_text())
                metrics = json.loads((tmp / engine / "metrics.json").read_text())["test"]
                figures.update({k: v for k, v in saved["timings"].items() if k.startswith("spark_")})
                figures.update(fit_seconds=saved["timings"]["fit_seconds"],
                               test_micro_f1=round(metrics["micro_f1"], 4), test_p_at_1=round(metrics["p_at_1"], 4))
            run[engine] = figures
            print(f"{tags} tags {engine}: {figures['seconds']} s wall (fit {figures.get('fit_seconds')} s), "
                  f"{figures['cpu_seconds']} s CPU, {figures['peak_rss_mb']} MiB peak, micro-F1 "
                  f"{figures.get('test_micro_f1')} (load {load:.1f})", flush=True)
        if all(run.get(e, {}).get("returncode") == 0 for e in ("embedded", "spark")):
            run["spark_minus_embedded_micro_f1"] = round(run["spark"]["test_micro_f1"]
                                                         - run["embedded"]["test_micro_f1"], 4)
        shutil.rmtree(tmp, ignore_errors=True)
        result["runs"].append(run)
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {results}")
    return 0


PREDICT_RESULTS = REPO / "bench" / "results" / "spark-predict.json"
PREDICT_MODELS = {"linear": ["--param", "cross_fit=0"],  # the default features and SVM, calibrated on validation
                  "lstm": ["--model", "lstm", "--param", "epochs=1"]}  # the default network, one epoch: same cost


class TreeCpu:
    """CPU seconds of this process and its descendants (the JVM, its Python workers) while the block runs,
    sampled every 0.1 s: a worker that exits in between counts up to its last sample."""

    def __enter__(self):
        import threading

        self.root = psutil.Process()
        self.base = self._sample()
        self.last = dict(self.base)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> dict[int, float]:
        seen = {}
        for p in [self.root] + self.root.children(recursive=True):
            try:
                t = p.cpu_times()
                seen[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        return seen

    def _run(self):
        while not self.done.wait(INTERVAL):
            self.last.update(self._sample())

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.last.update(self._sample())
        self.seconds = sum(v - self.base.get(pid, 0.0) for pid, v in self.last.items())


def predict_throughput(master: str, results: Path = PREDICT_RESULTS, dataset: Path | None = None) -> dict:
    """Batch predict texts/s on Spark ``master`` for ``linear`` and ``lstm``, against the embedded predict.

    On ``dataset`` (default: the so-titles sample, 50,498 titles, prepared into a temporary directory), each
    model is trained by the CLI, then scored twice by ``predict_spark`` in one session (the first run pays
    for the Python workers' imports and model loads, the second is the steady state) and once by the
    embedded :class:`~multilabeltext.predict.Predictor` over the same texts in this process. Wall and CPU
    seconds (this process, the JVM and its Python workers) for each: on a shared machine texts per CPU
    second compare better than texts/s.
    """
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("PYSPARK_PYTHON", venv_python())
    from multilabeltext.data.dataset import load_dataset
    from multilabeltext.predict import Predictor
    from multilabeltext.progress import set_quiet
    from multilabeltext.spark.predict import predict_spark
    from multilabeltext.spark.session import get_session

    set_quiet(True)
    tmp = Path(tempfile.mkdtemp(prefix="mlt-bench-spark-predict-"))
    out = {"benchmark": "batch predict texts/s, Spark vs embedded", "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "master": master, "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                                         "note": "shared by other jobs: see each load average"}, "models": {}}
    try:
        if dataset is None:
            dataset = tmp / "so-titles"
            subprocess.run([venv_python(), "-m", "multilabeltext", "prepare", str(REPO.parent / "shared" / "datasets"
                            / "so-titles" / "so_titles.tsv"), "--out", str(dataset), "--quiet"], cwd=REPO, check=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
        texts = load_dataset(dataset)["text"].tolist()
        out["dataset"] = {"path": str(dataset), "rows": len(texts),
                          "mean_characters": round(sum(map(len, texts)) / max(len(texts), 1), 1)}
        load = os.getloadavg()[0]
        started = time.perf_counter()
        spark = get_session(master)
        out["spark_startup"] = {"seconds": round(time.perf_counter() - started, 1), "load_average_before": round(load, 2)}
        for name, options in PREDICT_MODELS.items():
            model = tmp / name
            subprocess.run([venv_python(), "-m", "multilabeltext", "train", str(dataset), "--out", str(model),
                            "--quiet", *options], cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
            figures = {"train_options": options, "spark": []}
            for attempt in ("first (worker start-up and model loads)", "second (steady state)"):
                load = os.getloadavg()[0]
                started = time.perf_counter()
                with TreeCpu() as cpu:
                    done = predict_spark(model, dataset, tmp / f"{name}-scored", force=True)
                seconds = time.perf_counter() - started
                figures["spark"].append({"run": attempt, "seconds": round(seconds, 2), "rows": done["rows"],
                                         "texts_per_second": round(done["rows"] / seconds, 1),
                                         "cpu_seconds": round(cpu.seconds, 1),
                                         "texts_per_cpu_second": round(done["rows"] / max(cpu.seconds, 1e-9), 1),
                                         "worker_processes": len(done["worker_processes"]),
                                         "load_average_before": round(load, 2)})
                print(f"{name} on Spark {master}, {attempt}: {done['rows'] / seconds:,.0f} texts/s, "
                      f"{done['rows'] / max(cpu.seconds, 1e-9):,.0f} per CPU second (load {load:.1f})", flush=True)
            load = os.getloadavg()[0]
            predictor = Predictor(model)
            started = time.perf_counter()
            with TreeCpu() as cpu:
                for i in range(0, len(texts), 2048):
                    predictor.predict(texts[i:i + 2048])
            seconds = time.perf_counter() - started
            figures["embedded"] = {"seconds": round(seconds, 2), "texts_per_second": round(len(texts) / seconds, 1),
                                   "cpu_seconds": round(cpu.seconds, 1),
                                   "texts_per_cpu_second": round(len(texts) / max(cpu.seconds, 1e-9), 1),
                                   "load_average_before": round(load, 2)}
            print(f"{name} embedded: {len(texts) / seconds:,.0f} texts/s, {len(texts) / max(cpu.seconds, 1e-9):,.0f} "
                  f"per CPU second (load {load:.1f})", flush=True)
            out["models"][name] = figures
        spark.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(out, indent=2) + "\n")
    print(f"saved {results}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1", help="comma-separated dump scales, e.g. 0.25,1 or 1,4")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engines", default="embedded,spark", help="which engines to run (comma-separated)")
    parser.add_argument("--train", action="store_true", help="benchmark linear training instead of prepare")
    parser.add_argument("--tags", default="10,100", help="with --train: tag counts (so-titles has 100)")
    parser.add_argument("--spark-param", action="append", default=[], help="with --train: --param for Spark")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="for prepare on Spark: passed to the CLI's --spark-conf, e.g. spark.driver.memory=2g")
    parser.add_argument("--predict", action="store_true", help="only batch predict texts/s (linear, lstm) on "
                        f"--master, into {PREDICT_RESULTS.relative_to(REPO)}")
    parser.add_argument("--predict-dataset", type=Path, help="with --predict: a prepared dataset directory to train "
                        "and score on (default: so-titles), e.g. the prepared Kaggle dump's full-size rows")
    parser.add_argument("--predict-results", type=Path, default=PREDICT_RESULTS, help="with --predict: the JSON file")
    args = parser.parse_args(argv)
    if args.train:
        return train_bench(args)
    if args.predict:
        predict_throughput(args.master, args.predict_results, args.predict_dataset)
        return 0
    scales = [float(s) for s in args.scales.split(",")]
    result = {"benchmark": "prepare, embedded vs Spark, Kaggle dump (synthetic, real texts)",
              "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "master": args.master, "spark_conf": args.spark_conf,
              "machine": {"cpu_count": os.cpu_count(), "memory_mb": round(psutil.virtual_memory().total / MIB),
                          "platform": platform.platform(), "note": "shared by other jobs: see each load average"},
              "targets": TARGETS, "runs": []}
    load = os.getloadavg()[0]
    start = startup(args.master)
    start["load_average_before"] = round(load, 2)
    result["spark_startup"] = start
    print(f"Spark start-up: {start['seconds']} s (load {load:.1f})", flush=True)
    for scale in scales:
        dump = (make_kaggle_dump.DEFAULT_OUT if scale == 1
                else make_kaggle_dump.DEFAULT_OUT.parent / f"kaggle-scale{scale:g}")
        meta = make_kaggle_dump.ensure_dump(dump, seed=args.seed, scale=scale)
        run = {"scale": scale, "input_bytes": meta["total_bytes"], "questions": meta["counts"]["questions"],
               "answers": meta["counts"]["answers"]}
        for engine in args.engines.split(","):
            tmp = Path(tempfile.mkdtemp(prefix="mlt-bench-spark-"))
            load = os.getloadavg()[0]
            cmd = prepare_cmd(dump / "Questions.csv", tmp / "out", engine, args.master, tuple(args.spark_conf))
            figures = measure(cmd)
            figures["load_average_before"] = round(load, 2)
            figures["counts"] = counts_of(tmp / "out")
            if figures["returncode"] != 0:
                print(f"{engine} failed:\n{figures['stderr_tail']}", file=sys.stderr)
            else:
                figures.pop("stderr_tail")
            shutil.rmtree(tmp, ignore_errors=True)
            run[engine] = figures
            print(f"scale {scale:g} {engine}: {figures['seconds']} s wall, {figures['cpu_seconds']} s CPU, "
                  f"{figures['peak_rss_mb']} MiB peak (load {load:.1f})", flush=True)
        if "spark" in run and "embedded" in run:
            run["spark_over_embedded"] = round(run["spark"]["seconds"] / run["embedded"]["seconds"], 2)
            run["spark_minus_startup_over_embedded"] = round(
                (run["spark"]["seconds"] - start["seconds"]) / run["embedded"]["seconds"], 2)
            run["spark_cpu_over_embedded_cpu"] = round(run["spark"]["cpu_seconds"] / run["embedded"]["cpu_seconds"], 2)
        result["runs"].append(run)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(result, indent=2) + "\n")
    runs = {r["scale"]: r for r in result["runs"]}
    lo, hi = min(runs), max(runs)
    if hi > lo and all(e in runs[s] for s in (lo, hi) for e in ("embedded", "spark")):
        factor = hi / lo
        result["growth"] = {"scales": [lo, hi], "size_factor": factor, **{
            e: {"time": round(runs[hi][e]["seconds"] / runs[lo][e]["seconds"], 2),
                "peak_memory": round(runs[hi][e]["peak_rss_mb"] / runs[lo][e]["peak_rss_mb"], 2)}
            for e in ("embedded", "spark")}}
    biggest = runs[hi]
    if "spark" in biggest and biggest["spark"]["returncode"] == 0:
        result["estimate_full_dump"] = estimate(biggest["spark"], start, biggest["input_bytes"], 2)
    args.results.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("growth", "estimate_full_dump") if k in result}, indent=2))
    print(f"saved {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
