"""One TensorFlow worker of ``train --engine spark --model mlp|lstm``: ``python -m multilabeltext.spark.keras_worker DIR``.

A task of the barrier stage (:mod:`.train_keras`) starts this in a process of its own, with ``TF_CONFIG``
naming every worker (a fresh TensorFlow each time: a Python worker that Spark reuses could not join a second
cluster) and a directory holding:

* ``setup/``: the driver's model as ``TagModel.save`` wrote it before training (its settings, labels,
  tokenizer, fitted features or vocabulary, and the compiled network with its initial weights, ``.keras``);
* ``job.json``: the optimizer and loss (Keras' own serialized configs), epochs, batch sizes, early stopping,
  this worker's rank and every worker's shard sizes;
* ``train.json`` / ``validation.json``: this worker's shard of the rows (texts and label column indices).

Under ``tf.distribute.MultiWorkerMirroredStrategy`` it loads the model (the model class's own ``load``, inside
the strategy's scope), encodes its rows with the model's own featurizer or vocabulary, and runs a custom
``strategy.run`` loop (Keras 3's ``fit`` fails under this strategy: keras#20585, tensorflow#72388): per step
each worker's gradient of the summed loss over its batch, all-reduced (sum) and divided by the rows of the
whole step, so a step is the embedded fit's step over ``batch_size`` rows; the optimizer applies it once per
worker in cross-replica context (identical updates; clipping, if any, sees the whole step's gradient). The
validation loss is all-reduced the same way, so every worker takes the same early-stopping decision. The
chief (rank 0) writes ``weights.npz`` (the kept epoch's weights, plain arrays) and ``history.json``.

Example (needs a cluster of these processes, so it is not run as a doctest; ``tests/spark`` runs it)::

    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:20000"]}, "task": {"type": "worker", "index": 0}}' \\
        python -m multilabeltext.spark.keras_worker /tmp/job
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np


def _watch_parent() -> None:
    """Exit when the Spark task that started this process goes (a killed barrier stage leaves no worker behind)."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _read_rows(path: Path, n_labels: int, weight_rows: list | None = None) -> tuple[list[str], np.ndarray]:
    """``(texts, Y)`` of a rows file: ``{"texts": [...], "positives": [[column, ...], ...]}``; with
    ``weight_rows`` (auxiliary rows in training) ``Y`` is ``[labels, per-entry weights]`` side by side, the
    weights ``weight_rows[weight_index]`` (validation rows: all 1), as ``masked_binary_crossentropy`` reads it."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    Y = np.zeros((len(rows["texts"]), n_labels), dtype=np.float32)
    for i, columns in enumerate(rows["positives"]):
        Y[i, columns] = 1.0
    if weight_rows is None:
        return rows["texts"], Y
    index = rows.get("weight_index")
    weights = (np.asarray(weight_rows, dtype=np.float32)[np.asarray(index, dtype=np.int64)] if index is not None
               else np.ones_like(Y))
    return rows["texts"], np.hstack([Y, weights.reshape(len(Y), n_labels)])


class LstmInputs:
    """The lstm model's batches: its own token ids, length-bucketed batches and padding."""

    def __init__(self, model, tf):
        self.model, self.width = model, model._batch_width()
        self.spec = tf.TensorSpec((None, None), tf.int32)

    def encode(self, texts: list[str]):
        return self.model._encode(texts)

    def batches(self, data, batch_size: int, rng) -> list[np.ndarray]:
        lengths = np.fromiter((len(s) for s in data), dtype=np.int64, count=len(data))
        return self.model._batches(len(data), lengths, batch_size, rng) if len(data) else []

    def rows(self, data, rows):
        return self.model._pad([data[i] for i in rows], self.width)

    def dummy(self):
        from ..models.lstm import OOV

        return np.full((1, self.width or 1), OOV, dtype=np.int32)


class MlpInputs:
    """The mlp model's batches: its own TF-IDF rows, shuffled, as sparse tensors."""

    def __init__(self, model, tf):
        self.model, self.tf = model, tf
        self.n_features = model.features_.n_features
        self.spec = tf.SparseTensorSpec([None, self.n_features], tf.float32)

    def encode(self, texts: list[str]):
        return self.model.features_.transform(texts).tocsr().astype(np.float32)

    def batches(self, data, batch_size: int, rng) -> list[np.ndarray]:
        order = rng.permutation(data.shape[0]) if rng is not None else np.arange(data.shape[0])
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]

    def rows(self, data, rows):
        part = data[np.sort(rows)].tocoo()  # row-major order: a canonical SparseTensor
        order = np.lexsort((part.col, part.row))
        indices = np.stack([part.row[order], part.col[order]], axis=1).astype(np.int64)
        return self.tf.SparseTensor(indices, part.data[order].astype(np.float32), part.shape)

    def dummy(self):
        from scipy import sparse

        return self.rows(sparse.csr_matrix((1, self.n_features), dtype=np.float32), np.arange(1))


def _labels_for(inputs, rows, Y):
    """The label rows matching ``inputs.rows`` (the mlp sorts each batch's rows)."""
    return Y[np.sort(rows)] if isinstance(inputs, MlpInputs) else Y[rows]


def main(directory: str | Path) -> None:
    """Train this worker's part (see the module docstring); the chief writes the weights and history."""
    directory = Path(directory)
    _watch_parent()
    job = json.loads((directory / "job.json").read_text(encoding="utf-8"))
    threads = str(job["threads"])
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
    from ..models import model_class
    from ..models.keras_support import import_keras

    keras = import_keras()
    import tensorflow as tf

    if job["deterministic"]:
        tf.config.experimental.enable_op_determinism()
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = model_class(job["model"]).load(directory / "setup")
        network = model.model_
        optimizer = keras.optimizers.deserialize(job["optimizer"])
        optimizer.build(network.trainable_variables)
    if job["weight_rows"] is None:
        loss = keras.losses.get(job["loss"])
    else:  # auxiliary rows: the loss the model compiled for them (a plain function, not serializable by name)
        from ..models.mlp import masked_binary_crossentropy as loss
    per_row = loss.call if isinstance(loss, keras.losses.Loss) else loss  # a loss per row, like fit's before its mean
    n_labels = len(model.labels_)
    width = n_labels if job["weight_rows"] is None else 2 * n_labels  # the targets' columns
    inputs = (MlpInputs if job["model"] == "mlp" else LstmInputs)(model, tf)
    texts, Y = _read_rows(directory / "train.json", n_labels, job["weight_rows"])
    data = inputs.encode(texts)
    val_texts, Y_val = _read_rows(directory / "validation.json", n_labels, job["weight_rows"])
    val_data = inputs.encode(val_texts) if val_texts else None
    y_spec, w_spec = tf.TensorSpec((None, width), tf.float32), tf.TensorSpec((None,), tf.float32)
    SUM = tf.distribute.ReduceOp.SUM

    @tf.function(input_signature=[inputs.spec, y_spec])
    def train_step(x, y):
        def replica(x, y):
            context = tf.distribute.get_replica_context()
            rows = context.all_reduce(SUM, tf.cast(tf.shape(y)[0], tf.float32))
            with tf.GradientTape() as tape:
                total = tf.reduce_sum(per_row(y, network(x, training=True)))
                step_loss = total / rows  # the mean over the whole step's rows, every worker's
            gradients = tape.gradient(step_loss, network.trainable_variables)
            return context.all_reduce(SUM, gradients), context.all_reduce(SUM, total), rows

        gradients, total, rows = strategy.run(replica, args=(x, y))
        optimizer.apply_gradients(zip(gradients, network.trainable_variables))  # cross-replica: no second sum
        return total, rows

    @tf.function(input_signature=[inputs.spec, y_spec, w_spec])
    def validation_step(x, y, w):
        def replica(x, y, w):
            context = tf.distribute.get_replica_context()
            total = tf.reduce_sum(w * per_row(y, network(x, training=False)))
            return context.all_reduce(SUM, total), context.all_reduce(SUM, tf.reduce_sum(w))

        return strategy.run(replica, args=(x, y, w))

    rank = job["rank"]
    batch = job["worker_batch_size"]
    steps = max(math.ceil(n / batch) for n in job["train_rows"])  # every worker runs the same steps
    val_batch = job["validation_batch_size"]
    val_steps = max(math.ceil(n / val_batch) for n in job["validation_rows"]) if any(job["validation_rows"]) else 0
    rng = np.random.default_rng(job["seed"] + rank)
    keras.utils.set_random_seed(job["seed"] + rank)  # dropout masks differ between workers, as between batches
    history, best, best_weights, wait = [], None, None, 0
    for epoch in range(job["epochs"]):
        started = time.perf_counter()
        batches = inputs.batches(data, batch, rng)
        batches += [batches[i % len(batches)] for i in range(steps - len(batches))]  # a shorter shard repeats rows
        total = rows = 0.0
        for b in batches[:steps]:
            t, n = train_step(inputs.rows(data, b), _labels_for(inputs, b, Y))
            total, rows = total + float(t), rows + float(n)
        train_seconds = time.perf_counter() - started
        val_loss = None
        if val_steps:
            own = inputs.batches(val_data, val_batch, None) if val_data is not None else []
            v_total = v_rows = 0.0
            for i in range(val_steps):
                if i < len(own):
                    x, y, w = inputs.rows(val_data, own[i]), _labels_for(inputs, own[i], Y_val), np.ones(len(own[i]))
                else:  # nothing left here: a zero-weight row keeps this worker in the collective
                    x, y, w = inputs.dummy(), np.zeros((1, width), np.float32), np.zeros(1)
                t, n = validation_step(x, y, w.astype(np.float32))
                v_total, v_rows = v_total + float(t), v_rows + float(n)
            val_loss = v_total / max(v_rows, 1.0)
        seconds = time.perf_counter() - started
        history.append({"epoch": epoch + 1, "loss": total / max(rows, 1.0), "val_loss": val_loss,
                        "seconds": round(seconds, 2), "texts_per_s": round(rows / max(train_seconds, 1e-9), 1)})
        if not job["early_stopping"] or val_loss is None:
            continue
        # keras.callbacks.EarlyStopping(monitor="val_loss", patience, restore_best_weights=True), step by step
        if best_weights is None:
            best_weights = network.get_weights()
        wait += 1
        if best is None or val_loss < best:
            best, best_weights, wait = val_loss, network.get_weights(), 0
            continue
        if wait >= job["patience"] and epoch > 0:
            break
    weights = best_weights if best_weights is not None else network.get_weights()
    if rank == 0:
        np.savez(directory / "weights.npz", *[np.asarray(w) for w in weights])
        (directory / "history.json").write_text(json.dumps(history) + "\n", encoding="utf-8")
    strategy.reduce(SUM, strategy.run(lambda: tf.constant(1.0)), axis=None)  # no worker leaves mid-collective
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # TensorFlow's collective teardown can wait on peers that have already gone


if __name__ == "__main__":
    main(sys.argv[1])
