"""``train --model mlp|lstm --engine spark``: the Keras models trained data-parallel across Spark executors.

The embedded ``train`` runs unchanged (:func:`multilabeltext.training.train`: read the dataset, fit, tune the
thresholds on validation, score the test split, write the model directory) except for one step: the model
fits its TF-IDF features or vocabulary on the driver and builds and compiles its network as always, then
its ``network_trainer`` (:mod:`multilabeltext.models.keras_support`) is a :class:`BarrierTrainer`, which

1. saves that untrained model (``TagModel.save``: safe formats, the initial weights in ``.keras``) and ships
   it, the optimizer's and loss's Keras configs and the validation rows to the executors (a broadcast);
2. runs a barrier stage (``rdd.barrier().mapPartitions``) of ``spark_workers`` tasks, one shard of the
   training rows each (every ``workers``-th row); each task picks a free port, ``BarrierTaskContext.allGather``
   exchanges every task's ``host:port`` and shard size, which make ``TF_CONFIG``, and the task starts one
   TensorFlow worker process (:mod:`.keras_worker`: ``MultiWorkerMirroredStrategy``, a custom ``strategy.run``
   loop with gradient all-reduce);
3. gets the chief's weights back (``.npz`` of plain arrays, read with ``allow_pickle=False``) and its per-epoch
   history, and puts the weights into the driver's network; the model then finishes as after Keras' ``fit``.

What differs from the embedded fit: each worker shuffles its own shard (a step's ``batch_size`` rows are
``batch_size / workers`` from each shard), a shorter shard repeats a few rows to keep the step count equal,
dropout masks and the shuffling use ``seed + rank``, and no op ordering is shared between workers, so the
numbers are not the embedded ones (nor, across machines, reproducible to the last digit).

Example (starting Spark takes 15-35 s, so this is not run as a doctest; ``tests/spark`` runs it)::

    from multilabeltext.config import TrainConfig
    train_keras_spark("data/so-titles", "models/so-mlp-spark", TrainConfig(model="mlp"), master="local[2]")
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import TrainConfig, check
from ..errors import ConfigError, MultilabeltextError
from ..progress import status
from ..settings import Settings

KERAS_MODELS = ("mlp", "lstm")


@dataclass(frozen=True)
class SparkKerasConfig(Settings):
    """Spark-only settings of the Keras models, given as ``--param spark_<name>=value``."""

    section: ClassVar[str] = "spark"
    workers: int = 2  # TensorFlow workers: one barrier task each, all running at once (at most the task slots)

    def __post_init__(self):
        check(isinstance(self.workers, int) and not isinstance(self.workers, bool) and self.workers >= 1,
              f"spark_workers must be a whole number >= 1, got {self.workers!r}.", "use --param spark_workers=2.")


def settings(config: TrainConfig) -> tuple[TrainConfig, SparkKerasConfig]:
    """``(config without the spark_* params, SparkKerasConfig)``; raises :class:`ConfigError` for what the
    Spark engine cannot train this way."""
    if config.model not in KERAS_MODELS:
        raise ConfigError(f"train_keras_spark trains mlp or lstm, got --model {config.model}.",
                          fix="use --model mlp or --model lstm (or linear, which has its own Spark trainer).")
    params = dict(config.params)
    spark = {k.removeprefix("spark_"): params.pop(k) for k in list(params) if k.startswith("spark_")}
    known = [f.name for f in dataclasses.fields(SparkKerasConfig)]
    unknown = sorted(f"spark_{k}" for k in spark if k not in known)
    if unknown:
        raise ConfigError(f"unknown option(s) {', '.join(unknown)} in --param.",
                          fix=f"use only: {', '.join('spark_' + k for k in known)} (and the {config.model} "
                              "model's settings).")
    return config.replace(params=params), SparkKerasConfig.from_dict(spark, source="--param spark_*")


def task_slots(sc) -> int:
    """How many tasks the session can run at once: a local master's threads, else the default parallelism,
    divided by ``spark.task.cpus``."""
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", sc.master)
    if match is None:
        cores = sc.defaultParallelism
    elif match.group(1) is None:
        cores = 1
    else:
        cores = (os.cpu_count() or 1) if match.group(1) == "*" else int(match.group(1))
    return max(1, cores // int(sc.getConf().get("spark.task.cpus", "1")))


def train_keras_spark(dataset: str | Path, out: str | Path, config: TrainConfig | None = None, *,
                      force: bool = False, master: str | None = None, spark_conf: dict[str, str] | None = None):
    """Train the mlp or lstm model data-parallel on Spark; writes a normal model directory at ``out``.

    Returns a :class:`~multilabeltext.training.TrainResult`, as :func:`multilabeltext.training.train`.
    """
    from ..models import get_model
    from ..training import train
    from .session import get_session

    config = config or TrainConfig(model="mlp")
    config, spark_settings = settings(config)
    get_model(config.model, config.params)  # the model's settings checked before Spark starts
    status("Starting Spark")
    spark = get_session(master, spark_conf)
    sc = spark.sparkContext
    slots = task_slots(sc)
    if spark_settings.workers > slots:
        raise ConfigError(f"--param spark_workers={spark_settings.workers} needs {spark_settings.workers} task "
                          f"slots at once (a barrier stage starts every worker together), and this Spark session "
                          f"has {slots} ({sc.master}, spark.task.cpus={sc.getConf().get('spark.task.cpus', '1')}).",
                          fix=f"use --param spark_workers={slots} or fewer, or a master with more cores "
                              f"(e.g. --spark-master 'local[{spark_settings.workers}]').")
    trainer = BarrierTrainer(spark, spark_settings.workers)
    try:
        return train(dataset, out, config, force=force, network_trainer=trainer,
                     extra=lambda: {"engine": trainer.engine})
    except MultilabeltextError:
        raise
    except Exception as exc:  # a failed Spark job: short, no JVM stack trace
        if type(exc).__module__.split(".")[0] not in ("py4j", "pyspark"):
            raise
        from .task_errors import job_failure

        raise job_failure(exc, fix="train with the embedded engine to see whether the data or settings are at "
                                   "fault, or check the executors' logs.", detail=_worker_error(exc)) from None


def _worker_error(exc: Exception) -> str:
    """The line of a failed job that says what went wrong (a worker's own message when it gave one)."""
    from .task_errors import first_line

    found = re.search(r"KerasWorkerError: (.*)", str(exc))
    return found.group(1).strip()[:400] if found else first_line(exc)


class KerasWorkerError(RuntimeError):
    """A TensorFlow worker process of the barrier stage failed (its last lines of output say why)."""


class BarrierTrainer:
    """A Keras model's ``network_trainer``: its network trained by ``workers`` TensorFlow workers on Spark.

    ``engine``: what ``model.json`` records (filled in by the training).
    """

    def __init__(self, spark, workers: int):
        self.spark, self.workers = spark, workers
        self.engine: dict = {}

    def __call__(self, model, texts, targets, validation, *, early_stopping: bool) -> None:
        keras = _keras()
        sc, workers = self.spark.sparkContext, self.workers
        if len(texts) < workers:
            raise ConfigError(f"{len(texts)} training rows for {workers} Spark workers.",
                              fix=f"use --param spark_workers={max(1, len(texts))} or fewer.")
        cfg, network = model.config, model.model_
        n_labels = len(model.labels_)
        val_texts, Y_val = validation if validation is not None else ([], np.zeros((0, n_labels)))
        # with auxiliary rows the targets are [labels, per-entry weights] side by side (masked_binary_crossentropy):
        # each row names its weights by an index into the few distinct weight rows
        weighted = targets.shape[1] == 2 * n_labels
        weight_rows, weight_index = (np.unique(targets[:, n_labels:], axis=0, return_inverse=True) if weighted
                                     else (None, None))
        with tempfile.TemporaryDirectory(prefix="multilabeltext-spark-keras-") as tmp:
            history, model.history_ = model.history_, []
            model.save(tmp)  # the untrained model: settings, labels, tokenizer, features/vocabulary, initial weights
            model.history_ = history
            files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
        job = {"model": model.name, "epochs": cfg.epochs, "patience": cfg.patience,
               "early_stopping": bool(early_stopping), "seed": int(cfg.seed),
               "deterministic": bool(getattr(cfg, "deterministic", False)),
               "optimizer": keras.optimizers.serialize(network.optimizer),
               "loss": None if weighted else keras.losses.serialize(keras.losses.get(network.loss)),
               "weight_rows": None if weight_rows is None else weight_rows.tolist(),
               "worker_batch_size": -(-cfg.batch_size // workers),
               "validation_batch_size": max(cfg.batch_size, getattr(cfg, "predict_batch_size", cfg.batch_size)),
               "threads": int(sc.getConf().get("spark.task.cpus", "1"))}
        validation_rows = [_rows(val_texts[r::workers], Y_val[r::workers]) for r in range(workers)]
        job["validation_rows"] = [len(v["texts"]) for v in validation_rows]
        shared = sc.broadcast({"files": files, "job": job, "validation": validation_rows})
        shards = [_rows(texts[r::workers], targets[r::workers, :n_labels],
                        None if weight_index is None else weight_index.ravel()[r::workers]) for r in range(workers)]
        status(f"Spark: training {model.name} on {workers} TensorFlow workers (MultiWorkerMirroredStrategy, "
               f"{len(texts):,} rows, batch {cfg.batch_size} = {workers} x {job['worker_batch_size']})")
        started = time.perf_counter()
        out = sc.parallelize(shards, workers).barrier().mapPartitions(_worker_task(shared)).collect()
        seconds = time.perf_counter() - started
        shared.unpersist()
        chief = next(o for o in out if o["rank"] == 0)
        with np.load(io.BytesIO(chief["weights"]), allow_pickle=False) as saved:
            weights = [saved[f"arr_{i}"] for i in range(len(saved.files))]
        expected = [w.shape for w in network.get_weights()]
        if [w.shape for w in weights] != expected:
            raise MultilabeltextError(f"the Spark workers returned {len(weights)} weight arrays that do not fit the "
                                      f"network ({len(expected)}).", fix="check the executors run the same "
                                      "multilabeltext and Keras versions as the driver.")
        network.set_weights(weights)
        for entry in json.loads(chief["history"]):
            model.history_.append(entry)
            val = "" if entry["val_loss"] is None else f"  val_loss {entry['val_loss']:.4f}"
            status(f"{model.name} epoch {entry['epoch']}/{cfg.epochs}  loss {entry['loss']:.4f}{val}  "
                   f"{entry['seconds']:.1f} s  {entry['texts_per_s']:,.0f} texts/s ({workers} Spark workers)")
        self.engine = {"name": "spark", "master": sc.master, "spark_version": self.spark.version,
                       "workers": workers, "strategy": "tf.distribute.MultiWorkerMirroredStrategy",
                       "loop": "custom strategy.run loop, gradients all-reduced (sum) per step",
                       "batch_size": cfg.batch_size, "worker_batch_size": job["worker_batch_size"],
                       "threads_per_worker": job["threads"], "train_rows_per_worker": [len(s["texts"]) for s in shards],
                       "barrier_stage_seconds": round(seconds, 2),
                       "hosts": sorted({o["address"].rsplit(":", 1)[0] for o in out})}


def _keras():
    from ..models.keras_support import import_keras

    return import_keras()


def _rows(texts, Y, weight_index=None) -> dict:
    """Rows as JSON-able lists: texts, each row's positive label columns and (auxiliary rows in training) the
    index of its row of per-entry weights in the job's ``weight_rows``."""
    rows = {"texts": [t if isinstance(t, str) else "" for t in texts],
            "positives": [np.flatnonzero(np.asarray(y) > 0.5).tolist() for y in Y]}
    if weight_index is not None:
        rows["weight_index"] = np.asarray(weight_index).tolist()
    return rows


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _failure(returncode: int, log: str) -> str:
    """How a worker process ended: its signal, or its exit code and the last error it printed (TensorFlow's
    own C++ log lines left out).

    Example:
        >>> _failure(1, "I0000 00:00:17.2 port.cc:153] oneDNN custom operations are on.\\nValueError: bad")
        'exited with 1: ValueError: bad'
        >>> _failure(-9, "")
        'was killed (signal 9)'
    """
    if returncode < 0:
        return f"was killed (signal {-returncode})"
    lines = [line.strip() for line in log.splitlines()
             if line.strip() and not re.match(r"[IWEF]\d{4} |WARNING: All log messages", line)]
    said = next((line for line in reversed(lines) if "Error" in line or "Exception" in line), lines[-1] if lines else "")
    return f"exited with {returncode}: {said[:300]}" if said else f"exited with {returncode}"


def _worker_task(shared):
    """The barrier stage's task: this shard's TensorFlow worker, started once every task knows the cluster."""

    def task(shards):
        import subprocess

        from pyspark import BarrierTaskContext

        context = BarrierTaskContext.get()
        rank = context.partitionId()
        shard = next(iter(shards))
        host = context.getTaskInfos()[rank].address.rsplit(":", 1)[0]
        address = f"{host}:{_free_port()}"
        cluster = [json.loads(m) for m in context.allGather(json.dumps({"address": address,
                                                                        "rows": len(shard["texts"])}))]
        value = shared.value
        job = {**value["job"], "rank": rank, "train_rows": [c["rows"] for c in cluster]}
        with tempfile.TemporaryDirectory(prefix="multilabeltext-keras-worker-") as tmp:
            tmp = Path(tmp)
            (tmp / "setup").mkdir()
            for name, data in value["files"].items():
                (tmp / "setup" / name).write_bytes(data)
            (tmp / "job.json").write_text(json.dumps(job), encoding="utf-8")
            (tmp / "train.json").write_text(json.dumps(shard), encoding="utf-8")
            (tmp / "validation.json").write_text(json.dumps(value["validation"][rank]), encoding="utf-8")
            tf_config = {"cluster": {"worker": [c["address"] for c in cluster]},
                         "task": {"type": "worker", "index": rank}}
            env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "TF_CPP_MIN_LOG_LEVEL": "2",
                   "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            with open(tmp / "log.txt", "wb") as log:
                done = subprocess.run([sys.executable, "-m", "multilabeltext.spark.keras_worker", str(tmp)],
                                      env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
            if done.returncode != 0:
                raise KerasWorkerError(f"TensorFlow worker {rank} ({address}) "
                                       + _failure(done.returncode, (tmp / "log.txt").read_text(errors="replace")))
            result = {"rank": rank, "address": address}
            if rank == 0:
                result["weights"] = (tmp / "weights.npz").read_bytes()
                result["history"] = (tmp / "history.json").read_text(encoding="utf-8")
            yield result

    return task
