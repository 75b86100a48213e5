"""The ``lstm`` model's trained network in ONNX Runtime's fused CPU ``LSTM`` operator: how it predicts on a CPU.

Keras runs a recurrent layer on a CPU as a loop of small TensorFlow operations per time step; ONNX Runtime's
``LSTM`` operator runs the whole recurrence in one kernel. The graph is built in memory from the Keras
network's own weights (nothing is written or downloaded) and computes the same function:

    token ids -> Gather(embedding) -> LSTM (forward, or bidirectional; ``sequence_lens`` = the right-padded
    rows' lengths, so a row's padding is never read, as Keras' mask does) -> max over the row's steps
    (``pooling = "max"``) or the final states (``"last"``) -> Dense -> Sigmoid

Keras keeps each gate's weights in the order input, forget, cell, output; ONNX in the order input, output,
forget, cell; :func:`onnx_gates` reorders them. Dropout is not applied at inference in either. The
probabilities equal Keras' to about 1e-7 (``tests/models/test_lstm_onnx.py``). Networks it does not
describe (front padding, no mask, stacked layers) keep Keras' path (:func:`supported`).

Measured on the pyq fold-0 test texts (``bench/lstm_bound.py``, idle 2-core machine): 2,300-3,100 texts/s
in batches of 32-64 rows, against Keras' 1,300-1,800.

Example:
    >>> import numpy as np
    >>> onnx_gates(np.array([[0, 1, 2, 3]])).tolist()   # i f c o -> i o f c
    [[0, 3, 1, 2]]
"""

from __future__ import annotations

import numpy as np

BATCH_ROWS = 64  # rows per call, sorted by length: less padding than Keras' 1,024 (32-64 were best, measured)


def available() -> bool:
    """Whether ``onnxruntime`` and ``onnx`` are installed (the ``fast-lstm`` extra; requirements.txt pins them)."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def supported(config) -> bool:
    """Whether the network of ``config`` is one this module describes exactly."""
    return (config.mask and config.padding == "post" and getattr(config, "layers", 1) == 1
            and config.pooling in ("max", "last"))


def onnx_gates(matrix: np.ndarray) -> np.ndarray:
    """Columns (last axis) of Keras' gate blocks ``i, f, c, o`` in ONNX's order ``i, o, f, c``."""
    i, f, c, o = np.split(matrix, 4, axis=-1)
    return np.concatenate([i, o, f, c], axis=-1)


def session(network, config, threads: int):
    """An ONNX Runtime session computing ``network(ids)``: inputs ``ids`` (int32, right-padded) and ``lens``
    (int32, each row's length >= 1), output ``proba``."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    if config.bidirectional:
        wrapper = network.get_layer("bidirectional")
        cells = [wrapper.forward_layer.cell, wrapper.backward_layer.cell]
    else:
        cells = [network.get_layer("lstm").cell]
    units = config.units
    W, R, B = [], [], []
    for cell in cells:
        kernel, recurrent, bias = (np.asarray(w.numpy(), dtype=np.float32) for w in cell.weights)
        W.append(onnx_gates(kernel).T)
        R.append(onnx_gates(recurrent).T)
        B.append(np.concatenate([onnx_gates(bias), np.zeros(4 * units, np.float32)]))  # ONNX: input + recurrent
    dense_w, dense_b = (np.asarray(w.numpy(), dtype=np.float32) for w in network.get_layer("tags").weights)
    arrays = {"E": network.get_layer("embedding").get_weights()[0], "W": np.stack(W), "R": np.stack(R),
              "B": np.stack(B), "Wd": dense_w, "bd": dense_b, "low": np.array(-1e9, np.float32)}
    init = [numpy_helper.from_array(np.asarray(a, np.float32), name) for name, a in arrays.items()]
    init += [numpy_helper.from_array(np.array(v, np.int64), name)
             for name, v in {"zero": 0, "one": 1, "ax0": [0], "ax1": [1], "ax_1": [-1], "flat": [0, -1]}.items()]
    node = helper.make_node
    direction = "bidirectional" if config.bidirectional else "forward"
    nodes = [node("Gather", ["E", "ids"], ["emb"]), node("Transpose", ["emb"], ["x"], perm=[1, 0, 2]),
             node("LSTM", ["x", "W", "R", "B", "lens"], ["Y", "Y_h"], hidden_size=units, direction=direction)]
    if config.pooling == "max":  # the max over each row's own steps (Y is zero past a row's length)
        nodes += [node("Shape", ["ids"], ["shape"]), node("Gather", ["shape", "one"], ["T"]),
                  node("Range", ["zero", "T", "one"], ["pos"]), node("Unsqueeze", ["pos", "ax1"], ["pos_col"]),
                  node("Cast", ["lens"], ["lens64"], to=TensorProto.INT64),
                  node("Less", ["pos_col", "lens64"], ["valid"]), node("Unsqueeze", ["valid", "ax1"], ["valid3"]),
                  node("Unsqueeze", ["valid3", "ax_1"], ["valid4"]), node("Where", ["valid4", "Y", "low"], ["Ym"]),
                  node("ReduceMax", ["Ym", "ax0"], ["pooled"], keepdims=0)]  # (directions, rows, units)
    else:  # the final states: the forward one after the last token, the backward one after the first
        nodes += [node("Identity", ["Y_h"], ["pooled"])]
    nodes += [node("Transpose", ["pooled"], ["pooled_t"], perm=[1, 0, 2]),  # forward then backward, as Keras
              node("Reshape", ["pooled_t", "flat"], ["features"]), node("MatMul", ["features", "Wd"], ["z0"]),
              node("Add", ["z0", "bd"], ["z"]), node("Sigmoid", ["z"], ["proba"])]
    graph = helper.make_graph(
        nodes, "lstm_tagger",
        [helper.make_tensor_value_info("ids", TensorProto.INT32, ["rows", "time"]),
         helper.make_tensor_value_info("lens", TensorProto.INT32, ["rows"])],
        [helper.make_tensor_value_info("proba", TensorProto.FLOAT, ["rows", int(dense_b.shape[0])])],
        initializer=init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    # its threads sleep between calls instead of spinning (no CPU taken from the other models of an ensemble or
    # a server's other work; measured: the same lstm speed either way)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run(onnx_session, ids: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Probabilities of right-padded token ids, ``lens[i]`` (>= 1) tokens in row ``i``."""
    return onnx_session.run(None, {"ids": np.asarray(ids, dtype=np.int32),
                                   "lens": np.asarray(lens, dtype=np.int32)})[0]
