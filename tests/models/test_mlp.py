"""``mlp``: NumPy prediction equals the Keras network's, early stopping keeps the best epoch, Keras sees one sparse
batch at a time, the in-place Adam is Keras' Adam, bad settings."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import so_titles_subset

from multilabeltext.errors import ConfigError
from multilabeltext.models.keras_support import import_keras, in_place_adam
from multilabeltext.models.mlp import MlpModel, sparse_batches

SMALL = {"char_ngrams": None, "min_df": 1, "hidden": 32, "epochs": 8, "patience": 1, "batch_size": 64}


@pytest.fixture(scope="module")
def fitted():
    labels, texts, Y = so_titles_subset(2500, 8)
    model = MlpModel(**SMALL).fit(texts[:900], Y[:900], labels=labels, validation=(texts[900:1100], Y[900:1100]))
    return model, texts[1100:], Y[1100:]


def test_numpy_prediction_equals_the_keras_network(fitted):
    model, texts, _ = fitted
    keras_out = np.asarray(model.network()(model.features_.transform(texts[:50]).toarray(), training=False))
    np.testing.assert_allclose(model.predict_proba(texts[:50]), keras_out, atol=1e-5)


def test_learns_real_titles_and_logs_every_epoch(fitted):
    model, texts, Y = fitted
    proba = model.predict_proba(texts)
    top = proba.argmax(axis=1)
    p_at_1, always_commonest = Y[np.arange(len(Y)), top].mean(), Y.mean(axis=0).max()
    assert p_at_1 > always_commonest + 0.15, (p_at_1, always_commonest)  # unseen titles, 8 common tags
    assert [h["epoch"] for h in model.history_] == list(range(1, len(model.history_) + 1))
    assert all(h["val_loss"] is not None and h["seconds"] > 0 for h in model.history_)


def test_output_biases_start_at_each_tags_log_odds():
    Y = np.array([[1, 0]] * 9 + [[0, 1]], dtype=np.float32)
    model = MlpModel(**{**SMALL, "epochs": 1, "learning_rate": 1e-9}).fit(["a b"] * 10, Y, labels=["x", "y"])
    np.testing.assert_allclose(model.weights_[3], np.log([0.9 / 0.1, 0.1 / 0.9]), atol=1e-3)


def test_kept_weights_are_the_best_validation_epochs(fitted):
    model, _, _ = fitted
    labels, texts, Y = so_titles_subset(2500, 8)
    p = np.clip(model.validation_proba_, 1e-7, 1 - 1e-7)
    Y_val = Y[900:1100]
    loss = float(-(Y_val * np.log(p) + (1 - Y_val) * np.log(1 - p)).mean())
    losses = [h["val_loss"] for h in model.history_]
    assert loss == pytest.approx(min(losses), abs=2e-4), (loss, losses)  # the best epoch's, not the last's
    assert not hasattr(model, "model_")  # the trained network and Adam's moments are not kept after fit
    assert [w.dtype for w in model.weights_] == [np.float32] * 4


class NoDense(sp.csr_matrix):
    """A CSR matrix that refuses to become dense (what feeding Keras the whole matrix may do)."""

    def toarray(self, *args, **kwargs):
        raise AssertionError("densified the whole matrix")

    todense = toarray


def test_keras_is_fed_one_sparse_batch_at_a_time_every_row_once_per_epoch():
    import tensorflow as tf

    X = NoDense(sp.random(70, 1_000_000, density=5e-6, format="csr", dtype=np.float32, random_state=0))
    Y = np.arange(70, dtype=np.float32)[:, None]  # each row's id: which rows a batch holds
    batches = sparse_batches(X, Y, 32, shuffle=True, seed=0)
    epochs = []
    for _ in range(2):
        seen = []
        for x, y in batches:
            assert isinstance(x, tf.SparseTensor) and x.dense_shape.numpy().tolist() == [len(y), 1_000_000]
            assert len(y) <= 32
            rows = y.numpy()[:, 0].astype(int)
            dense = sp.csr_matrix((x.values.numpy(), (x.indices.numpy()[:, 0], x.indices.numpy()[:, 1])),
                                  shape=(len(rows), X.shape[1]))
            assert (dense != X[rows]).nnz == 0  # the rows of X that y belongs to
            seen += rows.tolist()
        assert sorted(seen) == list(range(70))
        epochs.append(seen)
    assert epochs[0] != epochs[1]  # reshuffled each epoch
    assert [int(x.dense_shape[0]) for x, _ in sparse_batches(X, Y, 32)] == [32, 32, 6]


def test_in_place_adam_is_keras_adam():
    keras = import_keras()
    rng = np.random.default_rng(0)
    start = rng.normal(size=(50, 8)).astype(np.float32)
    ours, theirs = keras.Variable(start), keras.Variable(start)
    fused, reference = in_place_adam(keras, 0.01), keras.optimizers.Adam(0.01)
    for _ in range(20):
        gradient = keras.ops.convert_to_tensor(rng.normal(size=(50, 8)).astype(np.float32))
        fused.apply_gradients([(gradient, ours)])
        reference.apply_gradients([(gradient, theirs)])
    assert not np.allclose(ours.numpy(), start, atol=0.05)  # it moved
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


@pytest.mark.parametrize("settings, message", [({"hidden": 0}, "hidden"), ({"dropout": 1.0}, "dropout"),
                                               ({"epochs": 0}, "epochs"), ({"learning_rate": 0}, "learning_rate")])
def test_bad_settings_are_clear_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        MlpModel(**settings)
