"""What the Keras models (``lstm``, ``mlp``) share: a quiet Keras import and the per-epoch report.

Example:
    >>> keras = import_keras()  # doctest: +SKIP
    >>> keras.backend.backend()  # doctest: +SKIP
    'tensorflow'
"""

from __future__ import annotations

import os
import time

from ..progress import status


def import_keras():
    """Keras on the TensorFlow backend, imported quietly (only when a network is built or loaded)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


def epoch_report(model, n_texts: int, epochs: int, keras):
    """A Keras callback: per-epoch loss, val_loss, seconds and training texts/s into ``model.history_``.

    Each epoch is also one status line, ``<model name> epoch 3/10  loss ...``, silenced by ``--quiet``.
    """

    class EpochReport(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()
            self.train_seconds = None

        def on_test_begin(self, logs=None):
            if self.train_seconds is None:
                self.train_seconds = time.perf_counter() - self.started

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            seconds = time.perf_counter() - self.started
            train_seconds = self.train_seconds or seconds
            val = logs.get("val_loss")
            entry = {"epoch": epoch + 1, "loss": float(logs.get("loss", float("nan"))),
                     "val_loss": None if val is None else float(val), "seconds": round(seconds, 2),
                     "texts_per_s": round(n_texts / max(train_seconds, 1e-9), 1)}
            model.history_.append(entry)
            val_text = "" if val is None else f"  val_loss {val:.4f}"
            status(f"{model.name} epoch {epoch + 1}/{epochs}  loss {entry['loss']:.4f}{val_text}  "
                   f"{seconds:.1f} s  {entry['texts_per_s']:,.0f} texts/s")

    return EpochReport()


def save_keras(network, path) -> None:
    """``network.save(path)`` (the ``.keras`` format) without Keras' own NumPy 2 copy-keyword notice."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"__array__ implementation", category=DeprecationWarning)
        network.save(path)
