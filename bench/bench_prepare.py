"""Time `multilabeltext prepare` on a full-size Kaggle dump: wall clock and peak memory of the process tree.

Generates (or reuses) the synthetic dump of bench/make_kaggle_dump.py, then runs the real CLI in a
subprocess from the repository root:

    <venv python> -m multilabeltext prepare <dump>/Questions.csv --out <tmp dir> --top-n 10
        --exclude-tag python --force --quiet [--jobs N]

While it runs, the RSS of the command and all its descendants (worker processes) is summed every 0.05 s;
the maximum (or the largest single process's ru_maxrss, from wait4, if a short spike was missed) is the
peak memory; both figures are recorded too. Results are printed and saved as JSON in bench/results/.

Units: memory in MiB (2**20 bytes), throughput in MB/s (10**6 bytes per second).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_kaggle_dump  # noqa: E402  (the generator next to this file)

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"
TARGETS = {"seconds": 120, "peak_mb": 3072}
INTERVAL = 0.05  # seconds between memory samples
MIB = 2 ** 20


def venv_python() -> str:
    """The project's venv interpreter if present, else the one running this script."""
    candidate = REPO / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def prepare_command(questions_csv: Path, out: Path, jobs: int | None, template: str | None) -> list[str]:
    """The command to time: the real CLI, or ``template`` with {python} {questions} {out} filled in."""
    if template:
        fields = {"python": venv_python(), "questions": str(questions_csv), "out": str(out)}
        return [arg.format(**fields) for arg in shlex.split(template)]
    cmd = [venv_python(), "-m", "multilabeltext", "prepare", str(questions_csv), "--out", str(out),
           "--top-n", "10", "--exclude-tag", "python", "--force", "--quiet"]
    return cmd + (["--jobs", str(jobs)] if jobs is not None else [])


def tree_rss(proc: psutil.Process) -> int:
    """Sum of RSS in bytes of ``proc`` and all its live descendants (0 once it has gone)."""
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:  # exited between listing and reading
            pass
    return total


def run_measured(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd``, sampling its process tree's memory; return seconds, memory figures, exit code, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        watched = psutil.Process(proc.pid)
        peak, samples = 0, 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, tree_rss(watched))
            samples += 1
            time.sleep(INTERVAL)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "peak_rss_bytes": peak, "ru_maxrss_bytes": usage.ru_maxrss * 1024,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "samples": samples, "returncode": proc.returncode,
                "stdout": out.read().decode(errors="replace"), "stderr": err.read().decode(errors="replace")}


def prepared_counts(out: Path) -> dict | None:
    """The counts in the prepared dataset's manifest.json: its "counts" entry, else its numeric fields."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if isinstance(manifest.get("counts"), dict):
        return manifest["counts"]
    return {k: v for k, v in manifest.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def default_paths(scale: float) -> tuple[Path, Path]:
    """(dump dir, results file) for ``scale``; other scales never overwrite the full-size ones."""
    if scale == 1:
        return make_kaggle_dump.DEFAULT_OUT, RESULTS_DIR / "prepare.json"
    return (make_kaggle_dump.DEFAULT_OUT.parent / f"kaggle-scale{scale:g}",
            RESULTS_DIR / f"prepare-scale{scale:g}.json")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Run with the project's venv python (psutil is required).")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="dump size relative to the real one (607,282 questions), e.g. 0.01 for a quick run")
    parser.add_argument("--dump-dir", type=Path,
                        help="where the dump is generated or reused (default: /tmp/multilabeltext-bench/"
                             "kaggle-full at scale 1, kaggle-scale<S> otherwise)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to prepare")
    parser.add_argument("--keep-output", action="store_true", help="keep the prepared output dir and print it")
    parser.add_argument("--results", type=Path,
                        help="JSON results file (default: bench/results/prepare.json at scale 1, "
                             "prepare-scale<S>.json otherwise)")
    parser.add_argument("--command", help=argparse.SUPPRESS)  # testing: replace the command; {python} {questions} {out}
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be > 0")
    dump_dir, results_path = default_paths(args.scale)
    dump_dir, results_path = args.dump_dir or dump_dir, args.results or results_path

    try:
        meta = make_kaggle_dump.ensure_dump(dump_dir, seed=args.seed, scale=args.scale)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    questions_csv = dump_dir / "Questions.csv"
    input_bytes = meta["total_bytes"]
    counts = meta["counts"]

    tmp = Path(tempfile.mkdtemp(prefix="multilabeltext-bench-"))
    out = tmp / "prepared"
    cmd = prepare_command(questions_csv, out, args.jobs, args.command)
    print(f"running: {shlex.join(cmd)}", file=sys.stderr)
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"warning: the machine is busy (load average {load_before:.1f}); timings will be slower",
              file=sys.stderr)
    run = run_measured(cmd, REPO)
    if run["returncode"] != 0:
        print(f"prepare failed with exit code {run['returncode']}; its stderr:\n{run['stderr']}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        return 1

    # Sampling can miss a short spike; the tree's peak is at least its largest process's peak.
    seconds, peak_mb = run["seconds"], max(run["peak_rss_bytes"], run["ru_maxrss_bytes"]) / MIB
    met = {"seconds": seconds <= TARGETS["seconds"], "peak_mb": peak_mb <= TARGETS["peak_mb"]}
    result = {
        "benchmark": "multilabeltext prepare, Kaggle Python Questions dump (synthetic, real texts)",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpu_count": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)),
                    "memory_mb": round(psutil.virtual_memory().total / MIB), "platform": platform.platform(),
                    "load_average_before": round(load_before, 2)},
        "python_version": platform.python_version(),
        "command": shlex.join(cmd),
        "scale": args.scale,
        "input": {"dump_dir": str(dump_dir), "files": {f: v["bytes"] for f, v in meta["files"].items()},
                  "total_bytes": input_bytes},
        "counts": {k: counts[k] for k in ("questions", "answers", "tag_rows")},
        "seconds": round(seconds, 2),
        "cpu_seconds": round(run["cpu_seconds"], 1),
        "peak_rss_mb": round(peak_mb, 1),
        "sampled_tree_peak_mb": round(run["peak_rss_bytes"] / MIB, 1),
        "largest_process_ru_maxrss_mb": round(run["ru_maxrss_bytes"] / MIB, 1),
        "memory_samples": run["samples"],
        "sample_interval_s": INTERVAL,
        "questions_per_s": round(counts["questions"] / seconds, 1),
        "mb_per_s": round(input_bytes / 1e6 / seconds, 2),
        "targets": TARGETS,
        "targets_met": {**met, "all": all(met.values())},
        "prepared_manifest_counts": prepared_counts(out),
    }
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(result, indent=2) + "\n")

    ok = {True: "met", False: "NOT met"}
    print(f"prepare: {counts['questions']:,} questions, {counts['answers']:,} answers, "
          f"{input_bytes / 1e6:,.1f} MB of CSV (scale {args.scale:g})")
    print(f"  wall clock   {seconds:10.1f} s      target <= {TARGETS['seconds']} s: {ok[met['seconds']]}"
          f"  (CPU time {run['cpu_seconds']:.0f} s, load average before {load_before:.1f})")
    print(f"  peak memory  {peak_mb:10.0f} MiB    target <= {TARGETS['peak_mb']} MiB: {ok[met['peak_mb']]}"
          f"  (sum of RSS over the process tree)")
    print(f"  largest single process (ru_maxrss) {result['largest_process_ru_maxrss_mb']:.0f} MiB")
    print(f"  throughput   {result['questions_per_s']:10,.0f} questions/s, {result['mb_per_s']:.1f} MB/s")
    if result["prepared_manifest_counts"] is not None:
        print(f"  manifest counts: {json.dumps(result['prepared_manifest_counts'])}")
    print(f"saved {results_path}")
    if args.keep_output:
        print(f"prepared output kept in {out}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
