"""Serving benchmark: texts/s and p50/p99 latency of ``multilabeltext serve`` at 1, 8 and 64 concurrent clients.

For each model (``--models kind=DIR``, default the linear and lstm models under models/) the script starts
``multilabeltext serve`` on 127.0.0.1 (a free port, one worker process), then:

* **clients**: ``C`` concurrent clients (asyncio, one keep-alive connection each, a minimal HTTP/1.1 client
  so the load generator itself costs little CPU) each send one text per request (``top_k`` 5), back to back,
  for ``--seconds`` (after a short warm-up); texts/s = answered texts / wall time, latency per request;
* **batch**: one request of 1,000 texts, ``--batch-repeats`` times (median and max seconds);
* **predict**: the same texts through ``multilabeltext predict MODEL --file ... --top-k 5`` (a new process:
  texts/s excluding start-up = (N - 1) / (time for N texts - time for 1 text), and including it).

Texts are the model's own test rows (``predictions.parquet``), repeated to the counts needed. The server
and the clients share the machine's cores (2 here), and other work on the machine skews the figures: the
load average before each step is recorded. Results: printed table and ``bench/results/serve.json``.

    .venv/bin/python bench/bench_serve.py
    .venv/bin/python bench/bench_serve.py --models linear=models/pyq-linear --seconds 3 --out /tmp/serve.json

``--code DIR`` runs ``multilabeltext`` (server and ``predict``) from another source tree, e.g. an export of
this repository with a change applied, to measure a candidate change with everything else equal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
DEFAULT_MODELS = "linear=models/so-titles-linear,lstm=models/pyq-lstm"
CODE = {"cwd": REPO, "env": None}  # where `python -m multilabeltext` runs from (--code)
TARGETS = {"linear": {"texts_per_s_at_8": 1000, "p99_ms_at_8": 50},
           "lstm": {"best_texts_per_s": 500, "batch_1000_s": 1.0}}


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, max_batch: int, options: list[str] = ()) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([str(PYTHON), "-m", "multilabeltext", "serve", "--model", str(model), "--port",
                             str(port), "--log-level", "warning", "--max-batch", str(max_batch), *options],
                            cwd=CODE["cwd"], env=CODE["env"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server for {model} exited:\n{proc.stderr.read()}")
        try:
            status, _ = asyncio.run(one_request(port, "GET", "/health"))
            if status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server for {model} did not start within 120 s")


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 (just enough HTTP for this server's answers)."""

    def __init__(self, port: int):
        self.port = port

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def one_request(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    conn = await Connection(port).open()
    try:
        return await conn.request(method, path, body)
    finally:
        await conn.close()


async def run_clients(port: int, texts: list[str], clients: int, seconds: float, warmup: float) -> dict:
    bodies = [json.dumps({"text": t, "top_k": 5}).encode() for t in texts]
    latencies: list[float] = []
    errors = 0
    counting = False
    stop_at = time.perf_counter() + warmup + seconds

    async def client(k: int):
        nonlocal errors
        conn = await Connection(port).open()
        i = k
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            status, _ = await conn.request("POST", "/predict", bodies[i % len(bodies)])
            if counting:
                latencies.append(time.perf_counter() - t0)
                errors += status != 200
            i += clients
        await conn.close()

    async def clock():
        nonlocal counting
        await asyncio.sleep(warmup)
        counting = True
        return time.perf_counter()

    tasks = [asyncio.create_task(client(k)) for k in range(clients)]
    started = await clock()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    lat = sorted(latencies)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    return {"clients": clients, "requests": len(lat), "errors": errors, "seconds": round(elapsed, 2),
            "texts_per_s": round(len(lat) / elapsed, 1), "p50_ms": round(pick(0.50), 2),
            "p99_ms": round(pick(0.99), 2), "max_ms": round(lat[-1] * 1000, 2)}


async def batch_times(port: int, texts: list[str], repeats: int) -> dict:
    body = json.dumps({"texts": texts, "top_k": 5}).encode()
    conn = await Connection(port).open()
    times = []
    for _ in range(repeats + 1):  # the first is a warm-up
        t0 = time.perf_counter()
        status, payload = await conn.request("POST", "/predict", body)
        times.append(time.perf_counter() - t0)
        if status != 200 or len(json.loads(payload)["results"]) != len(texts):
            raise SystemExit(f"the batch request failed: {status} {payload[:300]!r}")
    await conn.close()
    return {"texts": len(texts), "median_s": round(statistics.median(times[1:]), 3), "max_s": round(max(times[1:]), 3)}


def server_stats(port: int) -> dict:
    health = json.loads(asyncio.run(one_request(port, "GET", "/health"))[1])
    return {**health["batching"], "pid": health.get("pid")}


def time_predict_cli(model: Path, texts: list[str]) -> dict:
    def run(lines: list[str]) -> float:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        t0 = time.perf_counter()
        proc = subprocess.run([str(PYTHON), "-m", "multilabeltext", "predict", str(model), "--file", f.name,
                               "--top-k", "5"], cwd=CODE["cwd"], env=CODE["env"], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        os.unlink(f.name)
        if proc.returncode != 0 or len(proc.stdout.splitlines()) != len(lines):
            raise SystemExit(f"multilabeltext predict failed:\n{proc.stderr}")
        return seconds

    one, full = run(texts[:1]), run(texts)
    return {"texts": len(texts), "seconds": round(full, 2), "startup_seconds": round(one, 2),
            "texts_per_s": round(len(texts) / full, 1),
            "texts_per_s_excluding_startup": round((len(texts) - 1) / max(full - one, 1e-9), 1)}


def bench_model(kind: str, model: Path, args) -> dict:
    import pandas as pd

    pool = [t.replace("\n", " ") for t in pd.read_parquet(model / "predictions.parquet")["text"].tolist() if t.strip()]
    texts = (pool * (args.predict_texts // len(pool) + 1))[:args.predict_texts]
    result = {"model": str(model), "kind": kind, "test_texts": len(pool),
              "mean_text_chars": round(sum(map(len, pool)) / len(pool), 1), "load_average_before": loadavg()}
    proc, port = start_server(model, max(args.batch_texts, 1000), args.serve_options.split())
    try:
        result["clients"] = []
        for clients in args.clients:
            before, load = server_stats(port), loadavg()
            row = asyncio.run(run_clients(port, texts, clients, args.seconds, args.warmup))
            after = server_stats(port)
            calls = after["batches"] - before["batches"]
            same_process = after.get("pid") == before.get("pid")  # with --workers > 1 /health may hit another one
            row["texts_per_model_call"] = (round((after["texts"] - before["texts"]) / calls, 1)
                                           if calls > 0 and same_process else None)
            row["load_average_before"] = load
            result["clients"].append(row)
            print(f"  {kind} {clients:>3} clients: {row['texts_per_s']:>8.1f} texts/s  p50 {row['p50_ms']:>7.2f} ms"
                  f"  p99 {row['p99_ms']:>7.2f} ms  ({row['texts_per_model_call']} texts per model call)", flush=True)
        batch = (pool * (args.batch_texts // len(pool) + 1))[:args.batch_texts]
        result["batch"] = {**asyncio.run(batch_times(port, batch, args.batch_repeats)), "load_average_before": loadavg()}
        print(f"  {kind} batch of {len(batch)}: median {result['batch']['median_s']} s", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    result["predict_cli"] = {**time_predict_cli(model, texts), "load_average_before": loadavg()}
    result["targets"] = check_targets(kind, result)
    return result


def check_targets(kind: str, result: dict) -> dict:
    at = {row["clients"]: row for row in result["clients"]}
    if kind == "linear" and 8 in at:
        t = TARGETS["linear"]
        return {**t, "met": at[8]["texts_per_s"] > t["texts_per_s_at_8"] and at[8]["p99_ms"] < t["p99_ms_at_8"]}
    if kind == "lstm":
        t = TARGETS["lstm"]
        best = max(row["texts_per_s"] for row in result["clients"])
        return {**t, "met": best > t["best_texts_per_s"] and result["batch"]["median_s"] < t["batch_1000_s"]}
    return {}


def table(results: list[dict]) -> str:
    lines = ["| model | clients | texts/s | p50 ms | p99 ms | texts per model call |", "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        for row in r["clients"]:
            lines.append(f"| {r['kind']} ({Path(r['model']).name}) | {row['clients']} | {row['texts_per_s']:.0f} | "
                         f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['texts_per_model_call']} |")
    lines += ["", "| model | batch of 1,000: median s (max) | `predict` CLI texts/s (excl. start-up) | targets met |",
              "|---|---:|---:|---|"]
    for r in results:
        b, p = r["batch"], r["predict_cli"]
        lines.append(f"| {r['kind']} ({Path(r['model']).name}) | {b['median_s']} ({b['max_s']}) | "
                     f"{p['texts_per_s']:.0f} ({p['texts_per_s_excluding_startup']:.0f}) | {r['targets'].get('met')} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help=f"kind=DIR,... (default {DEFAULT_MODELS})")
    parser.add_argument("--clients", default="1,8,64", help="concurrency levels (default 1,8,64)")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per level (default 8)")
    parser.add_argument("--warmup", type=float, default=1.5, help="unmeasured seconds first (default 1.5)")
    parser.add_argument("--batch-texts", type=int, default=1000)
    parser.add_argument("--batch-repeats", type=int, default=5)
    parser.add_argument("--predict-texts", type=int, default=5000, help="texts for the clients and `predict`")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "serve.json")
    parser.add_argument("--code", type=Path, help="source tree to run multilabeltext from (default: this one)")
    parser.add_argument("--variant", help="store this run under variants.NAME of an existing --out file "
                        "(e.g. a --code tree with a change), keeping the main results")
    parser.add_argument("--serve-options", default="", help="extra `multilabeltext serve` options, e.g. "
                        "'--workers 2' (stored with the results)")
    parser.add_argument("--note", default="", help="free text stored with the results")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    if args.code:
        CODE.update(cwd=args.code.resolve(), env={**os.environ, "PYTHONPATH": str(args.code.resolve())})
    models = [(kind, REPO / path) for kind, path in (item.split("=", 1) for item in args.models.split(","))]
    started = time.time()
    results = []
    for kind, model in models:
        print(f"{kind}: {model}", flush=True)
        results.append(bench_model(kind, model, args))
    import fastapi
    import uvicorn

    out = {"benchmark": "serve", "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "seconds": round(time.time() - started, 1), "cpu_count": os.cpu_count(),
           "python": platform.python_version(), "fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__,
           "load_average_at_end": loadavg(), "note": args.note or "the load generator shares the 2 cores with the server; see the "
           "load averages recorded before each step", "settings": {k: str(v) if isinstance(v, Path) else v
                                                                  for k, v in vars(args).items()},
           "results": results}
    if args.variant:
        main_run = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        main_run.setdefault("variants", {})[args.variant] = out
        out = main_run
    elif args.out.exists():  # a new main run keeps the recorded variants
        out["variants"] = json.loads(args.out.read_text(encoding="utf-8")).get("variants", {})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print()
    print(table(results))
    print(f"\nload average at end: {loadavg()}; saved {args.out}")


if __name__ == "__main__":
    main()
