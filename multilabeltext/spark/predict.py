"""``predict --engine spark``: a saved model scores a dataset or a Parquet table inside Spark executors.

The model directory is shipped to the executors (``SparkContext.addFile``) and loaded once per Python
worker process (a module-level cache: Spark reuses its Python workers, so not once per batch); each batch
of texts goes through the same :class:`multilabeltext.predict.Predictor` the embedded ``predict`` uses
(the model's own tokenizer and featurizer, ``predict_proba``, the saved decision rule). The output is a
Parquet directory of part files with ``id``, ``text``, ``tags`` (decided) and ``probabilities`` (a map
of the ``top_k`` best tags, or all, unrounded), written into a temporary sibling and renamed into place.

Example:
    >>> predict_spark("models/so-titles-linear", "data/so-titles", "/tmp/so-tags.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, DatasetExistsError, InputNotFoundError, MissingColumnError, MultilabeltextError
from ..progress import status

_LOADED: dict[str, object] = {}  # model directory -> Predictor, per Python worker process
OUTPUT_SCHEMA = "id string, text string, tags array<string>, probabilities map<string, double>"


def _predictor(path: str):
    """The Predictor for ``path``, loaded at the first batch of this worker process."""
    if path not in _LOADED:
        from ..predict import Predictor

        _LOADED[path] = Predictor(path)
    return _LOADED[path]


def loads_in_this_process() -> int:
    """How many model directories this process has loaded (a test checks it is 1 per worker)."""
    return len(_LOADED)


def predict_spark(model_dir: str | Path, input_path: str | Path, out: str | Path, *, top_k: int | None = None,
                  threshold: float | None = None, split: str | None = None, text_column: str = "text",
                  id_column: str = "id", force: bool = False, master: str | None = None,
                  spark_conf: dict[str, str] | None = None) -> dict:
    """Score every row of ``input_path`` (a dataset directory, or Parquet with id/text columns) into ``out``.

    Returns counts: rows scored, output path. The embedded :class:`~multilabeltext.predict.Predictor`
    checks the model directory on the driver first, so a bad model is reported before any job.
    """
    from ..data import dataset as ds
    from ..modeldir import read_model_meta
    from ..outputs import claim_output
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

        def score(batches):
            import numpy as np
            import pandas as pd
            from pyspark import SparkFiles

            predictor = _predictor(SparkFiles.get(name))
            labels = predictor.labels
            k = min(top_k or len(labels), len(labels))
            for df in batches:
                texts = df["text"].fillna("").tolist()
                filled = [i for i, t in enumerate(texts) if t.strip()]  # blank texts: no tags (as embedded)
                tags, probabilities = [[] for _ in texts], [{} for _ in texts]
                if filled:
                    proba = predictor.model.predict_proba([texts[i] for i in filled])
                    decided = predictor.from_proba(proba, threshold=threshold, top_k=top_k)
                    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
                    for row, i in enumerate(filled):
                        tags[i] = decided[row]["tags"]
                        probabilities[i] = {labels[j]: float(proba[row, j]) for j in order[row]}
                yield pd.DataFrame({"id": df["id"], "text": df["text"], "tags": tags, "probabilities": probabilities})

        try:
            with ds.replace_atomically(out) as tmp:
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
            from .prepare import _first_line

            raise MultilabeltextError(f"the Spark job failed: {_first_line(exc)}",
                                      fix="check the model with the embedded `predict`, or the executors' logs.") \
                from None
    return {"rows": rows, "out": str(out)}


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
