"""What the Keras models (``lstm``, ``mlp``) share: a quiet Keras import, the device, the per-epoch report.

A Keras model's ``network_trainer`` (``None``: Keras' own ``fit``) is the hook for training its network
elsewhere, e.g. data-parallel on Spark executors (:mod:`multilabeltext.spark.train_keras`): the model
fits its features or vocabulary, builds and compiles the network exactly as for ``fit``, then calls
``network_trainer(model, texts, targets, validation, early_stopping=...)``, which must leave the trained
(best epoch's, with early stopping) weights in ``model.model_`` and one :func:`epoch_report` entry per
epoch in ``model.history_``; the model then finishes as after ``fit``.

Example:
    >>> keras = import_keras()
    >>> keras.backend.backend()
    'tensorflow'
"""

from __future__ import annotations

import os
import platform
import time

from ..progress import status


def import_keras():
    """Keras on the TensorFlow backend, imported quietly (only when a network is built or loaded)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow  # noqa: F401  (not a hard dependency: the [cpu] and [gpu] extras, or Colab's own)
    except ImportError as exc:
        from ..errors import ConfigError

        raise ConfigError(f"the lstm and mlp models need TensorFlow, which is not installed ({exc}).",
                          fix="pip install 'multilabeltext[cpu]' on a machine without a GPU (requirements.txt pins "
                              "tensorflow-cpu), 'multilabeltext[gpu]' on Linux with an NVIDIA GPU; Colab has "
                              "TensorFlow already (plain pip install multilabeltext keeps it).") from None
    import keras

    return keras


def training_device(*, cudnn: bool = False, deterministic: bool = True) -> dict:
    """Where TensorFlow will train: ``{"device": "GPU" | "CPU", "name", "lstm_kernel", "deterministic", ...}``.

    On a CPU with ``deterministic``, TensorFlow's op determinism is switched on (for the whole process: it
    cannot be switched off again), so the same seed, data and machine give the same numbers. On a GPU it is
    left off (cuDNN's fastest kernels are not deterministic): runs differ in the last digits.
    ``cudnn``: whether the LSTM layer qualifies for the fused cuDNN kernel (used on a GPU only).
    """
    import_keras()
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    info = {"tensorflow": tf.__version__}
    if gpus:
        name = gpus[0].name
        try:
            name = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0]).get(
                "device_name", name)
        except Exception:  # noqa: BLE001  (details are optional)
            pass
        return {"device": "GPU", "name": name, "gpus": len(gpus), "lstm_kernel": "cudnn" if cudnn else "generic",
                "deterministic": False, **info}
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return {"device": "CPU", "name": platform.machine(), "cores": os.cpu_count(), "lstm_kernel": "generic",
            "deterministic": bool(deterministic), **info}


def describe_device(device: dict) -> str:
    """One line for the progress output: ``training on CPU (2 cores, deterministic)`` or the GPU's name."""
    if device["device"] == "GPU":
        kernel = "fused cuDNN LSTM kernel" if device["lstm_kernel"] == "cudnn" else "generic LSTM kernel"
        return f"training on GPU ({device['name']}, {kernel})"
    return f"training on CPU ({device['cores']} cores{', deterministic' if device['deterministic'] else ''})"


def stop_reason(history: list[dict], epochs: int, best_epoch: int | None, early_stopping: bool) -> dict:
    """Why training ended: ``{"reason", "message", "epochs_run", "best_epoch"}``.

    Reasons: ``early_stopping`` (the validation loss stopped improving), ``epoch_cap_still_improving`` (the
    last epoch had the lowest validation loss: more epochs would likely help), ``epoch_cap`` (the cap was
    reached after the best epoch), ``epoch_cap_no_validation`` (no validation data, nothing to stop on).

    Example:
        >>> stop_reason([{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.4}], 2, 2, True)["reason"]
        'epoch_cap_still_improving'
    """
    ran = len(history)
    losses = [h.get("val_loss") for h in history]
    out = {"epochs_run": ran, "epochs_cap": epochs, "best_epoch": best_epoch}
    if ran < epochs:
        return {**out, "reason": "early_stopping", "message": f"early stopping after epoch {ran}: the validation loss "
                f"was lowest at epoch {best_epoch} (its weights are kept)"}
    if not losses or losses[-1] is None:
        return {**out, "reason": "epoch_cap_no_validation",
                "message": f"trained the full {epochs} epochs (no validation split, so no early stopping)"}
    if losses[-1] <= min(v for v in losses if v is not None):
        return {**out, "reason": "epoch_cap_still_improving",
                "message": f"stopped at the epoch cap ({epochs}) with the validation loss still improving (lowest "
                           f"at the last epoch): more epochs would likely help (e.g. epochs = {2 * epochs})"}
    kept = f"epoch {best_epoch}'s weights kept" if early_stopping else "the last epoch's weights kept"
    return {**out, "reason": "epoch_cap", "message": f"reached the epoch cap ({epochs}); the validation loss was "
            f"lowest at epoch {min(range(ran), key=lambda i: losses[i]) + 1} ({kept})"}


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


def in_place_adam(keras, learning_rate: float):
    """Keras' ``Adam``, each TensorFlow update one fused in-place op (``ResourceApplyAdam``).

    The same arithmetic as ``keras.optimizers.Adam`` (``m += (g - m)(1 - beta_1)``, ``v += (g^2 - v)(1 - beta_2)``,
    ``w -= alpha m / (sqrt(v) + epsilon)``), without the temporaries Keras' element-wise ops allocate, each as
    large as the variable: for the ``mlp``'s first layer (features x hidden) they were most of the training
    memory beyond the weights, and most of each step's time. Other backends, sparse gradients and AMSGrad
    take Keras' own path.

    Example:
        >>> keras = import_keras()
        >>> w = keras.Variable([1.0, 2.0])
        >>> _ = in_place_adam(keras, 0.1).apply_gradients([(keras.ops.convert_to_tensor([1.0, -1.0]), w)])
        >>> [round(float(x), 4) for x in w.numpy()]
        [0.9, 2.1]
    """
    import tensorflow as tf

    def handle(variable):
        return variable.value.handle if isinstance(variable, keras.Variable) else variable.handle

    class InPlaceAdam(keras.optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            if self.amsgrad or isinstance(gradient, tf.IndexedSlices) or keras.backend.backend() != "tensorflow":
                return super().update_step(gradient, variable, learning_rate)
            dtype = variable.dtype
            step = tf.cast(self.iterations + 1, dtype)
            beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
            index = self._get_variable_index(variable)
            tf.raw_ops.ResourceApplyAdam(
                var=handle(variable), m=handle(self._momentums[index]), v=handle(self._velocities[index]),
                beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype),
                beta1=beta_1, beta2=beta_2, epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))

    return InPlaceAdam(learning_rate)


def best_weights(keras, patience: int, variables):
    """A Keras callback: early stopping on ``val_loss``, the best epoch's weights kept as NumPy arrays.

    What ``keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)``
    decides (stop after ``patience`` epochs without a lower validation loss; the best epoch's weights are the
    result), but the weights go into float32 arrays (``.weights``, reused from one best epoch to the next) and
    are not written back into the network: the caller keeps them, the network can go. ``variables(network)``:
    the Keras variables to keep, in order. ``.keep(network)`` copies them (e.g. with no validation split).
    """
    import numpy as np

    class BestWeights(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.weights, self.best, self.best_epoch, self.wait = None, float("inf"), None, 0

        def keep(self, network) -> None:
            values = [v.numpy() for v in variables(network)]
            if self.weights is None:
                self.weights = [np.array(v, dtype=np.float32) for v in values]
            else:
                for kept, value in zip(self.weights, values):
                    np.copyto(kept, value)

        def on_epoch_end(self, epoch, logs=None):
            current = (logs or {}).get("val_loss")
            if current is None:
                return
            if self.weights is None:
                self.keep(self.model)
                self.best_epoch = epoch
            self.wait += 1
            if current < self.best:
                self.best, self.best_epoch, self.wait = current, epoch, 0
                self.keep(self.model)
            elif self.wait >= patience and epoch > 0:
                self.model.stop_training = True

    return BestWeights()
