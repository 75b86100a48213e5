"""The lstm's network in ONNX Runtime (models/lstm_onnx.py) computes Keras' function: the same probabilities
for every network it describes, through ``LstmModel.predict_proba`` too; Keras keeps the others and GPUs."""

import dataclasses

import numpy as np
import pytest

from multilabeltext.errors import ConfigError
from multilabeltext.models import lstm as lstm_module
from multilabeltext.models import lstm_onnx
from multilabeltext.models.lstm import LstmConfig, LstmModel, build_network

pytestmark = pytest.mark.skipif(not lstm_onnx.available(), reason="onnxruntime is not installed")


def padded_ids(rows: int, vocab: int, seed: int):
    """Right-padded token ids of lengths 1..40 (one row of each length at least) and the lengths."""
    rng = np.random.default_rng(seed)
    lens = np.concatenate([np.arange(1, 41), rng.integers(1, 41, size=rows - 40)])
    ids = np.zeros((rows, 40), dtype=np.int32)
    for row, n in zip(ids, lens):
        row[:n] = rng.integers(1, vocab, size=n)
    return ids, lens


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("pooling", ["max", "last"])
def test_onnx_runtime_gives_keras_probabilities(bidirectional, pooling):
    config = LstmConfig(units=12, bidirectional=bidirectional, pooling=pooling)
    network = build_network(config, 300, 7, 10)
    rng = np.random.default_rng(3)
    for weight in network.weights:  # large enough that every gate matters
        weight.assign(rng.standard_normal(weight.shape).astype("float32") * 0.5)
    ids, lens = padded_ids(120, 300, seed=4)
    expected = np.asarray(network(ids, training=False))
    got = lstm_onnx.run(lstm_onnx.session(network, config, 2), ids, lens)
    assert got.shape == expected.shape == (120, 7)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert np.abs(got - 0.5).max() > 0.1  # not a constant answer


TEXTS = ["numpy array reshape", "pandas dataframe groupby", "regex match digits", "numpy pandas regex",
         "convert a pandas series to a numpy array", "regular expression group capture"] * 3
Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [1, 1, 0], [0, 0, 1]] * 3, dtype=np.float32)


@pytest.fixture(scope="module")
def fitted():
    from multilabeltext.progress import quiet

    with quiet():
        return LstmModel(units=8, embedding_dim=8, min_count=1, epochs=3, batch_size=6, seed=2).fit(
            TEXTS, Y, labels=["numpy", "pandas", "regex"])


def test_predict_uses_onnx_runtime_on_a_cpu_with_keras_numbers(fitted):
    texts = TEXTS + ["", "an unknown word", " ".join(["numpy"] * 500)]  # empty, unknown, truncated at max_length
    assert fitted._onnx_sessions() is not None
    fast = fitted.predict_proba(texts)
    keras_model = dataclasses.replace(fitted.config, inference="keras")
    fitted.config, fitted._onnx = keras_model, None
    try:
        assert fitted._onnx_sessions() is None
        np.testing.assert_allclose(fast, fitted.predict_proba(texts), rtol=0, atol=1e-5)
    finally:
        fitted.config, fitted._onnx = dataclasses.replace(fitted.config, inference="auto"), None


def test_keras_predicts_on_a_gpu_and_when_the_network_is_not_described(fitted, monkeypatch):
    monkeypatch.setattr(lstm_module, "_gpu_visible", lambda: True)
    fitted._onnx = None
    assert fitted._onnx_sessions() is None  # auto on a GPU: Keras' cuDNN kernel
    fitted._onnx = None
    monkeypatch.undo()
    assert not lstm_onnx.supported(LstmConfig(layers=2)) and not lstm_onnx.supported(LstmConfig(padding="pre"))
    assert lstm_onnx.supported(LstmConfig())


def test_asking_for_onnx_runtime_without_it_is_a_config_error(fitted, monkeypatch):
    monkeypatch.setattr(lstm_onnx, "available", lambda: False)
    original = fitted.config
    fitted.config, fitted._onnx = dataclasses.replace(original, inference="onnxruntime"), None
    try:
        with pytest.raises(ConfigError, match="multilabeltext\\[fast-lstm\\]"):
            fitted.predict_proba(["numpy"])
    finally:
        fitted.config, fitted._onnx = original, None


def test_a_network_onnx_runtime_cannot_take_falls_back_to_keras(fitted, monkeypatch):
    def broken(*args):
        raise ValueError("no such layer")

    monkeypatch.setattr(lstm_onnx, "session", broken)
    fitted._onnx = None
    try:
        assert fitted._onnx_sessions() is None  # auto: Keras predicts, and says why
        assert np.isfinite(fitted.predict_proba(["numpy array"])).all()
        original = fitted.config
        fitted.config, fitted._onnx = dataclasses.replace(original, inference="onnxruntime"), None
        with pytest.raises(ConfigError, match="no such layer"):
            fitted.predict_proba(["numpy"])
        fitted.config = original
    finally:
        fitted._onnx = None
