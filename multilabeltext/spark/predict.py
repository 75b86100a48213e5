"""``predict --engine spark``: a saved model scores a dataset or a Parquet table inside Spark executors.

The model directory is shipped to the executors (``SparkContext.addFile``) and loaded once per Python
worker process (a module-level cache: Spark reuses its Python workers, so not once per batch or task);
each batch of texts goes through the same :class:`multilabeltext.predict.Predictor` the embedded
``predict`` uses (the model's own saved tokenizer and featurizer, ``predict_proba``, the saved decision
rule), for every registered model (``linear``, ``mlp``, ``lstm``, ``ensemble``). Before a Keras model
loads in a worker, TensorFlow gets as many threads as the task has cores (``spark.task.cpus``, default 1:
two tasks on two cores do not fight over four thread pools) and its C++ logs are quieted. The output is
a Parquet directory of part files with ``id``, ``text``, ``tags`` (decided) and ``probabilities`` (a map
of the ``top_k`` best tags, or all, unrounded), written into a temporary sibling and renamed into place.
How many times each worker process loaded the model comes back to the driver in an accumulator
(``worker_processes`` in the result).

Example (starting Spark takes 15-35 s, so this is not run as a doctest; ``tests/spark`` runs it)::

    predict_spark("models/so-titles-linear", "data/so-titles", "/tmp/so-tags.parquet")
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ..errors import ConfigError, DatasetExistsError, InputNotFoundError, MissingColumnError, MultilabeltextError
from ..progress import status

try:
    from pyspark.accumulators import AccumulatorParam
except ImportError:  # pyspark missing: session.check_environment says how to install it, before any job
    AccumulatorParam = object

_LOADED: dict[str, object] = {}  # model directory -> Predictor, per Python worker process
_LOADS: dict[str, int] = {}  # model directory -> times this process has loaded it (a cache miss each)
OUTPUT_SCHEMA = "id string, text string, tags array<string>, probabilities map<string, double>"


class WorkerStats(AccumulatorParam):
    """An accumulator of ``{"host:pid": {"loads", "tasks", "batches"}}``: per Python worker process, how many
    times in its life it has loaded the model directory (the most any of its tasks saw), and how many tasks
    and Arrow batches of this job it ran."""

    def zero(self, value):
        return {}

    def addInPlace(self, value1, value2):
        for worker, counts in value2.items():
            mine = value1.setdefault(worker, {"loads": 0, "tasks": 0, "batches": 0})
            for key, n in counts.items():
                mine[key] = max(mine.get(key, 0), n) if key == "loads" else mine.get(key, 0) + n
        return value1


def _prepare_worker() -> None:
    """Before the first model loads in a Python worker: TensorFlow's thread pools sized to the task's cores
    (``spark.task.cpus``; an explicit ``TF_NUM_*`` in the executor's environment wins), its C++ logs quiet."""
    try:
        from pyspark import TaskContext

        context = TaskContext.get()
        cpus = context.cpus() if context is not None else 1
    except Exception:  # noqa: BLE001  (outside a task: one thread, as for one task)
        cpus = 1
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(max(1, int(cpus))))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _predictor(path: str):
    """The Predictor for ``path``, loaded at the first batch of this worker process (then cached)."""
    if path not in _LOADED:
        from ..predict import Predictor

        _prepare_worker()
        _LOADED[path] = Predictor(path)
        _LOADS[path] = _LOADS.get(path, 0) + 1
    return _LOADED[path]


def loads_in_this_process(path: str | None = None) -> int:
    """How many times this process has loaded ``path`` (or any model directory): 1 per worker, not per batch."""
    return _LOADS.get(path, 0) if path is not None else sum(_LOADS.values())


def predict_spark(model_dir: str | Path, input_path: str | Path, out: str | Path, *, top_k: int | None = None,
                  threshold: float | None = None, split: str | None = None, text_column: str = "text",
                  id_column: str = "id", force: bool = False, master: str | None = None,
                  spark_conf: dict[str, str] | None = None) -> dict:
    """Score every row of ``input_path`` (a dataset directory, or Parquet with id/text columns) into ``out``.

    Returns ``rows`` (scored), ``out`` and ``worker_processes`` (per Python worker: model ``loads``,
    ``tasks``, Arrow ``batches``; a worker that ran only empty tasks shows 0 loads). The embedded
    :class:`~multilabeltext.predict.Predictor` checks the model directory on the driver first, so a bad
    model is reported before any job.
    """
    from ..modeldir import read_model_meta
    from ..outputs import claim_output, replace_atomically
    from ..predict import _check_options
    from .readers import is_uri
    from .session import get_session

    _check_options(threshold, top_k)
    model_dir = Path(model_dir)
    read_model_meta(model_dir)  # a missing or foreign model directory: the embedded message
    files = _input_files(input_path, split)
    out = Path(out)
    with claim_output(out, inputs=[p for p in files if not is_uri(p)]):
        if out.exists() and not force:
            raise DatasetExistsError("the output already exists.", path=out,
                                        fix="pass --force to replace it, or choose another --out path.")
        status("Starting Spark")
        spark = get_session(master, spark_conf)
        spark.sparkContext.addFile(str(model_dir.resolve()), recursive=True)
        name = model_dir.resolve().name
        frame = spark.read.parquet(*files)
        for column in (text_column, id_column):
            if column not in frame.columns:
                raise MissingColumnError(files[0], column, list(frame.columns),
                                         "pass --text-column / --id-column, or a dataset directory.")
        frame = frame.select(frame[id_column].cast("string").alias("id"),
                             frame[text_column].cast("string").alias("text"))

        stats = spark.sparkContext.accumulator({}, WorkerStats())

        def score(batches):
            import numpy as np
            import pandas as pd
            from pyspark import SparkFiles

            path = SparkFiles.get(name)
            seen = 0
            for df in batches:
                seen += 1
                predictor = _predictor(path)  # loaded at this process's first batch, then cached
                labels = predictor.labels
                k = min(top_k or len(labels), len(labels))
                texts = df["text"].fillna("").tolist()
                filled = [i for i, t in enumerate(texts) if t.strip()]  # blank texts: no tags (as embedded)
                tags, probabilities = [[] for _ in texts], [{} for _ in texts]
                if filled:
                    proba = predictor.model.predict_proba([texts[i] for i in filled])
                    decided = predictor.model.decide(proba, threshold, top_k)
                    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
                    for row, i in enumerate(filled):
                        tags[i] = decided.tags[row]
                        probabilities[i] = {labels[j]: float(proba[row, j]) for j in order[row]}
                yield pd.DataFrame({"id": df["id"], "text": df["text"], "tags": tags, "probabilities": probabilities})
            stats.add({f"{socket.gethostname()}:{os.getpid()}": {
                "loads": loads_in_this_process(path), "tasks": 1, "batches": seen}})

        try:
            with replace_atomically(out) as tmp:
                status(f"Scoring on Spark ({spark.sparkContext.defaultParallelism} cores)")
                frame.mapInPandas(score, OUTPUT_SCHEMA).write.mode("overwrite").parquet(
                    (tmp / "parts").resolve().as_uri())
                rows = spark.read.parquet((tmp / "parts").resolve().as_uri()).count()
                for part in (tmp / "parts").iterdir():
                    part.rename(tmp / part.name)
                (tmp / "parts").rmdir()
        except MultilabeltextError:
            raise
        except Exception as exc:  # a failed job: short, no JVM stack trace
            from .task_errors import job_failure

            raise job_failure(exc, fix="check the model with the embedded `predict`, or the executors' logs.") from None
    workers = stats.value
    loads = sorted({w["loads"] for w in workers.values() if w["batches"]})  # an empty task loads nothing
    status(f"{len(workers)} Python worker process(es) ran {sum(w['tasks'] for w in workers.values())} task(s) "
           f"of {sum(w['batches'] for w in workers.values())} Arrow batch(es), each loading the model "
           + ("once" if loads == [1] else f"{', '.join(map(str, loads))} time(s)"))
    return {"rows": rows, "out": str(out), "worker_processes": workers}


def _input_files(input_path: str | Path, split: str | None) -> list[str]:
    """Parquet files (or URIs) to score: a dataset directory's split files, or the given Parquet path."""
    from ..config import SPLITS
    from ..data import dataset as ds
    from .readers import is_uri

    if is_uri(str(input_path)):
        return [str(input_path)]
    path = Path(input_path)
    if not path.exists():
        raise InputNotFoundError(path)
    if (path / ds.MANIFEST).exists():
        ds.read_manifest(path)
        if split is not None and split not in SPLITS:
            raise ConfigError(f"unknown split {split!r}.", fix=f"use one of {', '.join(SPLITS)}.")
        return [str(ds.split_file(path, s)) for s in ([split] if split else SPLITS)
                if ds.split_file(path, s).exists()]
    return [str(path)]
