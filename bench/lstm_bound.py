"""The ``lstm``'s predict speed on pythonquestions texts: the same network run three ways (issue 17).

On the pyq fold-0 test texts' real token counts (capped at the model's ``max_length``, sorted and cut into
``predict_batch_size`` batches each padded to its own longest text, as ``LstmModel.predict_proba`` does), a
network of the default ``LstmConfig`` (BiLSTM, max-pooling; random weights: the speed does not depend on them):

* ``keras``: ``model(x, training=False)`` in one ``tf.function``, as ``LstmModel`` predicts;
* ``onnxruntime``: the same weights in ONNX Runtime's fused CPU ``LSTM`` operator, as ``LstmModel`` predicts
  on a CPU (:mod:`multilabeltext.models.lstm_onnx`), if onnxruntime is installed; checked against Keras';
* ``matmul_chain``: only the recurrent and input matrix products of every step, in a TensorFlow loop: the
  floor for any implementation that computes every step of a padded batch; scaled to the texts' own lengths
  (no padding at all), the floor for any implementation of this network.

Texts/s of each (best of ``--repeat``) and the matrix FLOPs per text go to ``bench/results/lstm-bound.json``.

Example:
    .venv/bin/python bench/lstm_bound.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import protocol  # noqa: E402

RESULTS = protocol.REPO / "bench" / "results"


def best_seconds(fn, repeat: int) -> float:
    fn()  # warm-up: traces, allocations
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pyq_batches(config, vocab: int, seed: int = 0) -> list[np.ndarray]:
    """Random token ids shaped as ``predict_proba`` pads the pyq fold-0 test texts: sorted by length, batches of
    ``predict_batch_size``, each padded (zeros) to its own longest text."""
    from multilabeltext.config import TokenizerConfig
    from multilabeltext.data.tokenizer import Tokenizer

    with tempfile.TemporaryDirectory(prefix="lstm-bound-") as tmp:
        loaded = protocol.load_source("pyq", Path(tmp))
        texts = loaded.frame["text"].tolist()
        split = protocol.protocol_splits("pyq", len(texts))[0]
        tokens = Tokenizer(TokenizerConfig.from_dict(loaded.tokenizer)).batch([texts[i] for i in split.test])
    lengths = np.sort(np.clip([len(t) for t in tokens], 1, config.max_length))
    rng = np.random.default_rng(seed)
    batches = []
    for start in range(0, len(lengths), config.predict_batch_size):
        part = lengths[start:start + config.predict_batch_size]
        ids = np.zeros((len(part), int(part.max())), dtype=np.int32)
        for row, n in zip(ids, part):
            row[:n] = rng.integers(2, vocab, size=n)
        batches.append(ids)
    return batches


def onnx_session(model, config, threads: int):
    """The Keras network in ONNX Runtime (:mod:`multilabeltext.models.lstm_onnx`), or None without onnxruntime."""
    from multilabeltext.models import lstm_onnx

    return lstm_onnx.session(model, config, threads) if lstm_onnx.available() else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocab", type=int, default=30_000, help="vocabulary rows (the pyq lstm's is ~30k)")
    ap.add_argument("--dim", type=int, default=100, help="embedding size (Word2Vec's)")
    ap.add_argument("--labels", type=int, default=10)
    ap.add_argument("--predict-batch-size", type=int, default=None, help="texts per batch (default: LstmConfig's)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--results", type=Path, default=RESULTS / "lstm-bound.json")
    args = ap.parse_args(argv)

    import tensorflow as tf

    from multilabeltext.models.lstm import LstmConfig, build_network

    config = LstmConfig(**({"predict_batch_size": args.predict_batch_size} if args.predict_batch_size else {}))
    units, threads = config.units, len(os.sched_getaffinity(0))
    batches = pyq_batches(config, args.vocab)
    n = sum(len(b) for b in batches)
    model = build_network(config, args.vocab, args.labels, args.dim)
    rng = np.random.default_rng(1)
    for weight in model.weights:
        weight.assign(rng.standard_normal(weight.shape).astype("float32") * 0.1)
    keras_fn = tf.function(lambda x: model(x, training=False), autograph=False,
                           input_signature=[tf.TensorSpec((None, None), tf.int32)])
    load_before = os.getloadavg()
    out = {"texts": n, "batches": [list(b.shape) for b in batches], "config": {"units": units, "dim": args.dim,
           "bidirectional": config.bidirectional, "max_length": config.max_length,
           "predict_batch_size": config.predict_batch_size}, "cores": threads}
    keras_s = best_seconds(lambda: [keras_fn(b).numpy() for b in batches], args.repeat)
    out["keras"] = {"seconds": round(keras_s, 4), "texts_per_second": round(n / keras_s, 1)}

    session = onnx_session(model, config, threads)
    if session is None:
        out["onnxruntime"] = None
    else:
        import onnxruntime

        feeds = [{"ids": b, "lens": (b > 0).sum(axis=1).astype(np.int32)} for b in batches]
        diff = max(float(np.abs(session.run(None, f)[0] - keras_fn(b).numpy()).max()) for f, b in zip(feeds, batches))
        ort_s = best_seconds(lambda: [session.run(None, f) for f in feeds], args.repeat)
        out["onnxruntime"] = {"version": onnxruntime.__version__, "seconds": round(ort_s, 4),
                              "texts_per_second": round(n / ort_s, 1), "max_abs_diff_vs_keras": diff}

    recurrent = tf.constant(rng.standard_normal((units, 4 * units)).astype("float32"))
    kernel = tf.constant(rng.standard_normal((args.dim, 4 * units)).astype("float32"))
    directions = 2 if config.bidirectional else 1

    @tf.function
    def chain(h, x, steps):  # each step: h @ U + x @ W, the next h a slice of it (a dependency, as in an LSTM)
        def body(i, h):
            return i + 1, (tf.matmul(h, recurrent) + tf.matmul(x, kernel))[:, :units] * 1e-3
        return tf.while_loop(lambda i, h: i < steps, body, (0, h))[1]

    inputs = [(tf.zeros((len(b), units)), tf.ones((len(b), args.dim)), b.shape[1] * directions) for b in batches]
    chain_s = best_seconds(lambda: [chain(h, x, s).numpy() for h, x, s in inputs], args.repeat)
    flops = sum(len(b) * b.shape[1] * directions * 2 * 4 * units * (units + args.dim) for b in batches)
    out["matmul_chain"] = {"seconds": round(chain_s, 4), "texts_per_second": round(n / chain_s, 1),
                           "gflop_per_second": round(flops / chain_s / 1e9, 1)}
    out["matrix_mflop_per_text"] = round(flops / n / 1e6, 1)
    # without any padding (each text only its own steps) at the chain's rate: the floor for these texts
    exact = sum(int((b > 0).sum()) * directions * 2 * 4 * units * (units + args.dim) for b in batches)
    out["matrix_mflop_per_text_unpadded"] = round(exact / n / 1e6, 1)
    out["floor_texts_per_second_unpadded"] = round(n / (chain_s * exact / flops), 1)
    out["keras"]["matrix_gflop_per_second"] = round(flops / keras_s / 1e9, 1)
    out["load_before"], out["load_after"] = [round(x, 2) for x in load_before], [round(x, 2) for x in os.getloadavg()]
    out["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    ort_rate = out["onnxruntime"]["texts_per_second"] if out["onnxruntime"] else None
    print(f"lstm predict on {n:,} pyq texts ({out['matrix_mflop_per_text']} MFLOP of matrix products per text): "
          f"keras {out['keras']['texts_per_second']:,.0f}/s, onnxruntime {ort_rate or '(not installed)'}/s, "
          f"matmul chain alone {out['matmul_chain']['texts_per_second']:,.0f}/s "
          f"({out['matmul_chain']['gflop_per_second']} GFLOP/s), {out['floor_texts_per_second_unpadded']:,.0f}/s "
          f"without padding; wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
