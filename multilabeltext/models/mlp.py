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

import gc
import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import check
from ..progress import status
from .base import TagModel
from .keras_support import best_weights, epoch_report, import_keras, in_place_adam, save_keras
from .sparse_product import sparse_times_dense
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
        network = self._network(keras, X.shape[1], Y.shape[1], np.log(prior / (1 - prior)))
        targets, loss = Y, "binary_crossentropy"
        if aux:  # per-entry weights: 1 for training rows, the auxiliary weight for the tags the source annotates
            weights = np.vstack([np.ones_like(Y), np.tile(aux.label_weights, (len(aux.texts), 1))])
            targets, loss = np.hstack([np.vstack([Y, aux.Y]), weights]).astype(np.float32), masked_binary_crossentropy
        X_val = None if validation is None else self.features_.transform(validation[0])  # vectorized once
        self.model_ = network  # while fitting: what a network_trainer trains, and what saving writes
        if self.network_trainer is not None:  # e.g. data-parallel on Spark: the same network, loss and optimizer
            network.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss=loss)  # sent to its workers
            status(f"mlp: {X.shape[0]:,} texts, {X.shape[1]:,} features, {network.count_params():,} parameters")
            self.network_trainer(self, texts + (aux.texts if aux else []), targets, validation,
                                 early_stopping=validation is not None)
            self.weights_ = layer_weights(network)
        else:
            self._fit_network(keras, network, X, targets, loss, X_val, validation, aux)
        del self.model_, network, X  # the network and Adam's moments (3 x the first layer) go now, not later
        gc.collect()
        if validation is not None:
            self.validation_proba_ = self._forward(X_val)

    def _fit_network(self, keras, network, X, targets, loss, X_val, validation, aux) -> None:
        """Keras' ``fit`` over sparse batches of ``X``; ``weights_`` = the best validation epoch's (or the last)."""
        cfg = self.config
        # Adam updated in place: the same arithmetic as Keras' own, without its full-size temporaries (the first
        # layer is max_features x hidden weights; each temporary was as large)
        network.compile(optimizer=in_place_adam(keras, cfg.learning_rate), loss=loss)
        status(f"mlp: {X.shape[0]:,} texts, {X.shape[1]:,} features, {network.count_params():,} parameters")
        best = best_weights(keras, cfg.patience, network_variables)
        callbacks = [epoch_report(self, X.shape[0], cfg.epochs, keras), best]
        validation_data = None
        if validation is not None:
            Y_val = validation[1] if aux is None else np.hstack([validation[1], np.ones_like(validation[1])])
            validation_data = sparse_batches(X_val, Y_val, cfg.batch_size)
        # batches are sliced from the CSR rows as they are needed: Keras never holds a second copy of the matrix
        network.fit(sparse_batches(X, targets, cfg.batch_size, shuffle=True, seed=cfg.seed), epochs=cfg.epochs,
                    shuffle=False, verbose=0, validation_data=validation_data, callbacks=callbacks)
        if best.weights is None:  # no validation split: the last epoch's weights
            best.keep(network)
        self.weights_ = best.weights

    def _network(self, keras, n_features: int, n_tags: int, bias=None):
        """The Keras network: TF-IDF rows -> Dense(hidden, relu) -> Dropout -> Dense(n_tags, sigmoid)."""
        inputs = keras.Input(shape=(n_features,), sparse=True, name="tfidf")
        hidden = keras.layers.Dense(self.config.hidden, activation="relu", name="hidden")(inputs)
        hidden = keras.layers.Dropout(self.config.dropout, name="dropout")(hidden)
        bias = "zeros" if bias is None else keras.initializers.Constant(bias)
        outputs = keras.layers.Dense(n_tags, activation="sigmoid", name="tags", bias_initializer=bias)(hidden)
        return keras.Model(inputs, outputs, name="mlp")

    def network(self):
        """The fitted weights in a new Keras network (not compiled): what ``model.keras`` holds.

        Fitting keeps NumPy weights only; the trained network and its optimizer state are dropped at the end.
        """
        self._check_fitted()
        w1, b1, w2, b2 = self.weights_
        network = self._network(import_keras(), w1.shape[0], w2.shape[1])
        network.get_layer("hidden").set_weights([w1, b1])
        network.get_layer("tags").set_weights([w2, b2])
        return network

    def _predict_proba(self, texts):
        return self._forward(self.features_.transform(texts))

    def _forward(self, X) -> np.ndarray:
        """Tag probabilities of TF-IDF rows ``X``."""
        w1, b1, w2, b2 = self.weights_
        hidden = np.maximum(sparse_times_dense(X, w1) + b1, 0.0)
        return (1.0 / (1.0 + np.exp(-np.clip(hidden @ w2 + b2, -50.0, 50.0)))).astype(np.float32)

    def _save(self, directory: Path) -> None:
        self.features_.save(directory)
        # while fitting (a network_trainer's setup) or after load: the network itself; after fit: built from weights_
        network = getattr(self, "model_", None)
        save_keras(self.network() if network is None else network, directory / "model.keras")
        (directory / "history.json").write_text(json.dumps(self.history_, indent=1) + "\n", encoding="utf-8")
        (directory / "mlp.json").write_text(json.dumps({"format_version": 1, "keras_version": import_keras().__version__,
                                                        "features": self.features_.n_features}) + "\n", encoding="utf-8")

    def _load(self, directory: Path) -> None:
        keras = import_keras()
        self.features_ = TfidfFeatures.load(self.config, self.tokenizer_, directory)
        # prediction needs the weights only: no optimizer or loss (an auxiliary-trained model's is a function; a
        # model saved before 2026-12 holds its Adam state too)
        self.model_ = keras.saving.load_model(directory / "model.keras", safe_mode=True, compile=False)
        history = directory / "history.json"
        if history.exists():
            self.history_ = json.loads(history.read_text(encoding="utf-8"))
        self.weights_ = layer_weights(self.model_)


def network_variables(network) -> list:
    """The network's weights ``[W1, b1, W2, b2]`` (Keras variables): prediction is ``sigmoid(relu(X W1 + b1) W2 + b2)``."""
    return [w for name in ("hidden", "tags") for w in network.get_layer(name).weights]


def layer_weights(network) -> list[np.ndarray]:
    """NumPy float32 copies of :func:`network_variables`."""
    return [np.array(w.numpy(), dtype=np.float32) for w in network_variables(network)]


def sparse_batches(X, Y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0):
    """A ``tf.data.Dataset`` of ``(tf.SparseTensor rows, Y rows)`` batches sliced from CSR ``X`` as they are read.

    With ``shuffle``, each pass over it (each epoch) visits the rows in a new seeded order. Only one batch of
    rows is ever converted: Keras given the whole scipy matrix makes its own ``tf.SparseTensor`` of all of it.

    Example:
        >>> import scipy.sparse as sp
        >>> batches = sparse_batches(sp.csr_matrix(np.eye(5, dtype=np.float32)), np.ones((5, 1)), 2)
        >>> [int(x.dense_shape[0]) for x, _ in batches]
        [2, 2, 1]
    """
    import tensorflow as tf

    X = X.tocsr().astype(np.float32, copy=False)
    Y = np.asarray(Y, dtype=np.float32)
    rng = np.random.default_rng(seed)

    def batches():
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            rows = order[start:start + batch_size]
            part = X[rows] if shuffle else X[start:start + batch_size]
            coo = part.tocoo()
            indices = np.stack([coo.row, coo.col], axis=1).astype(np.int64)
            yield tf.SparseTensor(indices, coo.data, (len(rows), X.shape[1])), Y[rows]

    signature = (tf.SparseTensorSpec((None, X.shape[1]), tf.float32), tf.TensorSpec((None, Y.shape[1]), tf.float32))
    dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
    # a known length: Keras then counts the batches of an epoch instead of running into the end of the first one
    n_batches = -(-X.shape[0] // batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(n_batches)).prefetch(2)


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
