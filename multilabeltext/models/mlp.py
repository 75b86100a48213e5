"""``mlp``: the ``linear`` model's TF-IDF n-grams into one hidden ReLU layer, then a sigmoid per tag (Keras).

A "wide MLP" over bag-of-n-grams is a strong, cheap text classifier (Galke & Scherp, ACL 2022, "Bag-of-Words
Baselines for Text Classification Are Very Strong"). Here it is mostly a third opinion for the ``ensemble``:
on so-titles it matches the linear SVM on P@1 (0.840) with different errors. It trains with Adam and binary
cross-entropy on sparse inputs, stops early on the validation loss, and starts each output bias at its
tag's log-odds. Auxiliary rows (:mod:`multilabeltext.auxiliary`) are weighted per entry in the loss, 0 for
the tags their source does not annotate. Prediction needs no TensorFlow graph: two matrix products in NumPy
with the saved weights. Saved as ``model.keras`` plus the features' JSON vocabularies and ``.npy`` idf arrays.

Example:
    >>> m = MlpModel(char_ngrams=None, min_df=1, hidden=16, epochs=40, learning_rate=0.02)
    >>> m = m.fit(["numpy arrays", "pandas frames"] * 8, [[1, 0], [0, 1]] * 8, labels=["numpy", "pandas"])
    >>> m.predict(["arrays in numpy"], threshold=0.5).tolist()
    [[True, False]]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import check
from ..progress import status
from .base import TagModel
from .keras_support import epoch_report, import_keras, save_keras
from .tfidf import TfidfFeatures, TfidfSettings

MAX_LAYER_BYTES = 32 << 30  # bound of the first layer's training memory, checked before anything is allocated


@dataclass(frozen=True)
class MlpConfig(TfidfSettings):
    """Settings of the ``mlp`` model: the TF-IDF features (:class:`~.tfidf.TfidfSettings`) and the network."""

    section: ClassVar[str] = "mlp"
    max_features: int | None = 200_000  # the first layer has max_features x hidden weights
    hidden: int = 512  # units of the hidden ReLU layer
    dropout: float = 0.5  # on the hidden layer, while training
    learning_rate: float = 0.002  # Adam
    batch_size: int = 256
    epochs: int = 15  # at most; early stopping on the validation loss usually ends sooner
    patience: int = 2  # epochs without a better validation loss before stopping (best weights kept)
    seed: int = 0

    def __post_init__(self):
        super().__post_init__()
        check(isinstance(self.hidden, int) and self.hidden >= 1, f"hidden must be a positive number of units, got "
              f"{self.hidden!r}.", "use hidden = 512.")
        first_layer = 16 * (self.max_features or 1_000_000) * self.hidden  # weights, gradients, Adam's 2 moments
        check(first_layer <= MAX_LAYER_BYTES, f"hidden = {self.hidden:,} units over {self.max_features or 'all'} "
              f"features needs about {first_layer / 2**30:,.0f} GiB for its first layer (at most "
              f"{MAX_LAYER_BYTES / 2**30:.0f} GiB).", "use hidden = 512, or fewer max_features.")
        check(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout!r}.", "use dropout = 0.5.")
        check(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate!r}.",
              "use learning_rate = 0.002.")
        for name in ("batch_size", "epochs", "patience"):
            value = getattr(self, name)
            check(isinstance(value, int) and value >= 1, f"{name} must be a positive whole number, got {value!r}.",
                  f"use {name} = {getattr(MlpConfig, name)}.")


class MlpModel(TagModel):
    """TF-IDF n-grams -> Dense(hidden, relu) -> Dropout -> Dense(n_tags, sigmoid)."""

    name = "mlp"
    Config = MlpConfig
    supports_auxiliary = True
    network_trainer = None  # set: trains the compiled network instead of Keras' fit (keras_support.NetworkTrainer)

    def _fit(self, texts, Y, validation):
        keras = import_keras()
        cfg = self.config
        aux = self.auxiliary_
        keras.utils.set_random_seed(cfg.seed)
        self.features_ = TfidfFeatures(cfg, self.tokenizer_)
        X = self.features_.fit_transform(texts + (aux.texts if aux else []))
        prior = np.clip(Y.mean(axis=0), 1e-4, 1 - 1e-4)
        inputs = keras.Input(shape=(X.shape[1],), sparse=True, name="tfidf")
        hidden = keras.layers.Dense(cfg.hidden, activation="relu", name="hidden")(inputs)
        hidden = keras.layers.Dropout(cfg.dropout, name="dropout")(hidden)
        outputs = keras.layers.Dense(Y.shape[1], activation="sigmoid", name="tags",
                                     bias_initializer=keras.initializers.Constant(np.log(prior / (1 - prior))))(hidden)
        self.model_ = keras.Model(inputs, outputs, name="mlp")
        targets, loss = Y, "binary_crossentropy"
        if aux:  # per-entry weights: 1 for training rows, the auxiliary weight for the tags the source annotates
            weights = np.vstack([np.ones_like(Y), np.tile(aux.label_weights, (len(aux.texts), 1))])
            targets, loss = np.hstack([np.vstack([Y, aux.Y]), weights]).astype(np.float32), masked_binary_crossentropy
        self.model_.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss=loss)
        status(f"mlp: {X.shape[0]:,} texts, {X.shape[1]:,} features, {self.model_.count_params():,} parameters")
        callbacks = [epoch_report(self, X.shape[0], cfg.epochs, keras)]
        validation_data = None
        if validation is not None:
            X_val = self.features_.transform(validation[0])  # vectorized once
            Y_val = validation[1] if aux is None else np.hstack([validation[1], np.ones_like(validation[1])])
            validation_data = (X_val, Y_val)
            callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience,
                                                           restore_best_weights=True))
        if self.network_trainer is not None:  # e.g. data-parallel on Spark: the same network, loss and optimizer
            self.network_trainer(self, texts, targets, validation, early_stopping=validation is not None)
        else:
            self.model_.fit(X, targets, batch_size=cfg.batch_size, epochs=cfg.epochs, shuffle=True, verbose=0,
                            validation_data=validation_data, callbacks=callbacks)
        self._set_weights()
        if validation_data is not None:
            self.validation_proba_ = self._forward(validation_data[0])

    def _set_weights(self) -> None:
        """NumPy copies of the layers' weights: prediction is ``sigmoid(relu(X W1 + b1) W2 + b2)``."""
        (w1, b1), (w2, b2) = (self.model_.get_layer(n).get_weights() for n in ("hidden", "tags"))
        self.weights_ = [np.asarray(w, dtype=np.float32) for w in (w1, b1, w2, b2)]

    def _predict_proba(self, texts):
        return self._forward(self.features_.transform(texts))

    def _forward(self, X) -> np.ndarray:
        """Tag probabilities of TF-IDF rows ``X``."""
        w1, b1, w2, b2 = self.weights_
        hidden = np.maximum(np.asarray(X @ w1) + b1, 0.0)
        return (1.0 / (1.0 + np.exp(-np.clip(hidden @ w2 + b2, -50.0, 50.0)))).astype(np.float32)

    def _save(self, directory: Path) -> None:
        self.features_.save(directory)
        save_keras(self.model_, directory / "model.keras")
        (directory / "history.json").write_text(json.dumps(self.history_, indent=1) + "\n", encoding="utf-8")
        (directory / "mlp.json").write_text(json.dumps({"format_version": 1, "keras_version": import_keras().__version__,
                                                        "features": self.features_.n_features}) + "\n", encoding="utf-8")

    def _load(self, directory: Path) -> None:
        keras = import_keras()
        self.features_ = TfidfFeatures.load(self.config, self.tokenizer_, directory)
        # prediction needs the weights only: no optimizer or loss (an auxiliary-trained model's is a function)
        self.model_ = keras.saving.load_model(directory / "model.keras", safe_mode=True, compile=False)
        history = directory / "history.json"
        if history.exists():
            self.history_ = json.loads(history.read_text(encoding="utf-8"))
        self._set_weights()


def masked_binary_crossentropy(y_true, y_pred):
    """Binary cross-entropy with a weight per entry: ``y_true`` is ``[labels, weights]`` side by side.

    Weight 0 makes an entry no evidence (an auxiliary row's tag its source does not annotate); with every
    weight 1 this is Keras' ``binary_crossentropy``.
    """
    from keras import ops

    n = ops.shape(y_pred)[-1]
    labels, weights = y_true[:, :n], y_true[:, n:]
    p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
    entries = -(labels * ops.log(p) + (1 - labels) * ops.log(1 - p))
    return ops.mean(weights * entries, axis=-1)
