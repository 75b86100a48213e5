"""``lstm``: the 2018 tutorial's Keras LSTM, done right (Keras 3 on the TensorFlow backend).

The tutorial's network stays available as :meth:`LstmConfig.tutorial`: a frozen embedding initialised from
Word2Vec, ``LSTM(100)``, ``Dense(n_tags, sigmoid)``, binary cross-entropy, Adam, 5 epochs, every text
padded (and truncated) to 1,000 tokens at the front. The defaults improve on it where measurements said so:

* a vocabulary from the training tokens (index 0 is padding, 1 is out-of-vocabulary), with trainable
  embeddings (initialised from Word2Vec when vectors are given, else learned from scratch);
* a bidirectional LSTM whose outputs are max-pooled over time (``pooling="max"``; the tutorial's ``"last"``
  is the alternative), dropout on the embeddings and before the output, masking of the padding;
* ``layers`` stacks (Bi)LSTM layers (default 1; 2 roughly doubles train and predict time);
* ``networks`` (1): a bag of that many networks, each with its own seed (``seed``, ``seed + 1``, ...: its own
  initialisation, dropout and batch order), sharing the vocabulary, the teacher and the targets; their
  probabilities are averaged. k networks cost k times the training and the prediction. Measured (5-fold pyq,
  bench/README.md): one network 0.749 micro-F1 on average over seeds, 4 networks 0.764, 5 0.762;
* ``refit`` (off): after early stopping, train a new network on the fit + validation rows for the best
  epoch count (thresholds stay tuned on the early-stopped network's validation scores; about 2x the time);
* length bucketing instead of 1,000-token padding: texts of similar length are batched together and each
  batch is padded to its own longest text (at most ``max_length`` tokens); batches are shuffled every
  epoch with the seed;
* each tag's output bias starts at its log-odds (``prior_bias``): with hundreds of rare tags the network
  no longer spends its first epochs unlearning 0.5 (cooking, 735 tags: micro-F1 0.15 -> 0.46);
* Adam at 2e-3 with gradient clipping, early stopping on the validation loss (patience 3, best weights
  restored) under a cap of 40 epochs; when the cap is what stopped it while the validation loss was still
  falling, the progress output says so and ``history.json``'s last epoch records ``"stopped"``;
* auxiliary rows (:mod:`multilabeltext.auxiliary`, e.g. so-titles titles tagged python for the
  pythonquestions sample): trained on with a per-entry weight in the loss, 0 for the tags their source
  does not annotate; their words join the vocabulary;
* ``teacher`` (``"linear"``, the default; ``"none"`` turns it off): knowledge distillation from a cross-fitted
  ``linear`` model fitted on the training rows (and the auxiliary rows) only, never the validation ones. Each
  training row's target becomes ``(1 - teacher_mix) * label + teacher_mix * score`` (mix 0.25), the score
  being the teacher's *out-of-fold* one (its ``cross_fit`` folds: the fold without the row scores it); an
  auxiliary row keeps its labels for the tags its source annotates and takes the teacher's score (weight = the
  auxiliary weight) for the others, which it was never trained on. Validation rows keep their labels (early
  stopping and thresholds unchanged). Recorded in ``lstm.json`` and ``model.json`` (``"teacher"``). Measured (bench/README.md):
  micro-F1 +0.028 on the pythonquestions sample (5 folds), +0.006 on so-titles, +0.034 on cooking, for the
  linear model's cross-fit on top of the train time (+15 / +22 / +40 s). Fewer than 4 training texts
  leave no held-out scores: the teacher is skipped (and the progress output says so).

On a GPU the layer qualifies for Keras' fused cuDNN kernel (tanh/sigmoid, no dropout inside the LSTM, no
unrolling, right-padded masks, every row keeps one step); the device and kernel are recorded in
``lstm.json`` and ``model.json`` (``"device"``). On a CPU, training is deterministic (``deterministic``:
TensorFlow op determinism, seeded by ``seed``): same data, vectors, machine and versions -> same numbers.
On a CPU it predicts with ONNX Runtime's fused LSTM kernel (``inference = "auto"``, :mod:`.lstm_onnx`: the same
weights and function, about 2x Keras' speed on long texts) when ``onnxruntime`` is installed; ``"keras"``
keeps Keras' own predict.

Measured (with the earlier 10-epoch cap) on so-titles (benchmark protocol, 36k fit / 4k validation / 10k test titles, one global threshold
tuned on validation, 2 shared CPU cores): 0.67 micro-F1 (P@1 0.81); with the 150-d skip-gram
Word2Vec of ``multilabeltext word2vec`` 0.68 (P@1 0.82); an epoch takes 7-15 s, predict runs at ~15,000
titles/s.
On cooking (12k titles, 736 tags) Word2Vec needs more than 5 passes over so small a corpus
(``Word2VecConfig.min_words``: 28 passes) and dropout 0.4: micro-F1 0.45 -> 0.49 (P@1 0.62 -> 0.67).

Saved as ``model.keras`` (Keras native format, loaded in safe mode without its loss: the pooling layer is
registered serializable, there are no Lambda layers), ``vocab.json`` (tokens in index order),
``history.json`` (per epoch: loss, val_loss, seconds, texts/s) and ``lstm.json`` (best epoch, why it
stopped, device, sizes).

TensorFlow and Keras are imported only when a model is built, trained or loaded.

Example:
    >>> LstmConfig.tutorial().max_length, LstmConfig().pooling
    (1000, 'max')
    >>> LstmModel(units=32).config.units
    32
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, NamedTuple

import numpy as np

from ..config import Settings, check
from ..errors import ConfigError, MultilabeltextError
from ..parallel import resolve_jobs
from ..progress import status
from .base import TagModel
from .keras_support import describe_device, epoch_report, import_keras, save_keras, stop_reason, training_device
from .mlp import masked_binary_crossentropy

PAD, OOV = 0, 1
PAD_TOKEN, OOV_TOKEN = "<pad>", "<oov>"  # the tokenizer never yields '<', so these cannot clash
POOLINGS = ("max", "last")
INFERENCES = ("auto", "keras", "onnxruntime")
VOCABULARIES = ("train", "vectors")
TEACHERS = ("none", "linear")
PADDINGS = ("post", "pre")
SCRATCH_DIM = 150  # embedding size without vectors
SHUFFLE_POOL = 50  # batches per shuffled pool: texts are shuffled, then sorted by length within each pool
MAX_NETWORKS = 16


@dataclass(frozen=True)
class LstmConfig(Settings):
    """Settings of the ``lstm`` model (defaults: the improved network; :meth:`tutorial`: the 2018 one)."""

    section: ClassVar[str] = "lstm"
    # vocabulary and embeddings
    vocabulary: str = "train"  # train (training tokens) | vectors (every word of the Word2Vec vectors)
    max_vocab: int = 50_000  # most frequent tokens kept besides padding and OOV (0 or None: all)
    min_count: int = 2  # a training token needs this many occurrences
    embedding_dim: int | None = None  # None: the vectors' size, or 150 learned from scratch
    trainable_embeddings: bool = True
    # network
    bidirectional: bool = True
    units: int = 100
    layers: int = 1  # stacked (Bi)LSTM layers; 2 roughly doubles train and predict time
    pooling: str = "max"  # max (over time, masked) | last (the final state, the tutorial's)
    dropout: float = 0.4  # on the embeddings (whole vectors) and before the output layer (0.2: -0.01 on cooking)
    prior_bias: bool = True  # start each tag's output bias at its log-odds in the training data
    # sequences
    mask: bool = True  # mask the padding (Embedding mask_zero)
    bucketing: bool = True  # pad each batch to its own longest text; False pads every text to max_length
    max_length: int = 300  # tokens kept per text
    padding: str = "post"  # post | pre (the tutorial's: pad and truncate at the front, like pad_sequences)
    # training
    epochs: int = 40  # a cap: early stopping usually ends sooner (and says so when the cap is what stopped it)
    batch_size: int = 64
    learning_rate: float = 2e-3
    clipnorm: float = 1.0  # Adam's per-variable gradient norm clipping (0 or None: none)
    early_stopping: bool = True  # on the validation loss, when validation data is given
    patience: int = 3  # epochs without a lower validation loss before stopping (the best epoch's weights are kept)
    networks: int = 1  # a bag of networks (seeds seed, seed + 1, ...), probabilities averaged: k x train and predict time
    refit: bool = False  # after early stopping: a new network on fit + validation rows for the best epoch count
    teacher: str = "linear"  # linear | none: soft targets from a cross-fitted linear model's out-of-fold scores
    teacher_mix: float = 0.25  # with a teacher: a training row's target = (1 - mix) * label + mix * teacher's score
    seed: int = 13
    deterministic: bool = True  # on a CPU: TensorFlow op determinism (same seed, data, machine -> same numbers)
    predict_batch_size: int = 1024  # texts per Keras call (ONNX Runtime: at most lstm_onnx.BATCH_ROWS)
    inference: str = "auto"  # auto: ONNX Runtime's fused LSTM on a CPU when installed, else Keras | keras | onnxruntime

    def __post_init__(self):
        check(self.vocabulary in VOCABULARIES, f"vocabulary must be one of {', '.join(VOCABULARIES)}, got "
              f"{self.vocabulary!r}.", "use vocabulary = \"train\" (or \"vectors\" with Word2Vec vectors).")
        # 0 and None both mean "no limit" / "no clipping"; stored as 0 so the settings survive TOML (no null)
        for name in ("max_vocab", "clipnorm"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, 0)
        check(_is_int(self.max_vocab) and self.max_vocab >= 0,
              f"max_vocab must be a number of tokens (0 for all), got {self.max_vocab!r}.", "use max_vocab = 50000.")
        check(_is_int(self.min_count) and self.min_count >= 1,
              f"min_count must be an integer >= 1, got {self.min_count!r}.", "use min_count = 2.")
        check(self.embedding_dim is None or (_is_int(self.embedding_dim) and self.embedding_dim >= 1),
              f"embedding_dim must be a positive integer (or unset), got {self.embedding_dim!r}.",
              "leave it out (the vectors' size, or 150), or use embedding_dim = 150.")
        check(_is_int(self.units) and self.units >= 1, f"units must be a positive integer, got {self.units!r}.",
              "use units = 100.")
        check(_is_int(self.layers) and 1 <= self.layers <= 4,
              f"layers must be an integer from 1 to 4, got {self.layers!r}.", "use layers = 1.")
        check(self.pooling in POOLINGS, f"pooling must be one of {', '.join(POOLINGS)}, got {self.pooling!r}.",
              "use pooling = \"max\".")
        check(_is_number(self.dropout) and 0 <= self.dropout < 1,
              f"dropout must be in [0, 1), got {self.dropout!r}.", "use dropout = 0.4.")
        check(_is_int(self.max_length) and self.max_length >= 1,
              f"max_length must be a positive number of tokens, got {self.max_length!r}.", "use max_length = 300.")
        check(self.padding in PADDINGS, f"padding must be post or pre, got {self.padding!r}.",
              "use padding = \"post\".")
        check(self.mask or not self.bucketing,
              "bucketing needs mask = true: without masking the padding changes the outputs, so a text's "
              "scores would depend on the batch it is in.", "set mask = true, or bucketing = false.")
        for name, low in (("epochs", 1), ("batch_size", 1), ("patience", 0), ("predict_batch_size", 1)):
            value = getattr(self, name)
            check(_is_int(value) and value >= low, f"{name} must be an integer >= {low}, got {value!r}.",
                  f"use {name} = {getattr(type(self), name)}.")
        check(_is_number(self.learning_rate) and self.learning_rate > 0,
              f"learning_rate must be > 0, got {self.learning_rate!r}.", "use learning_rate = 0.002.")
        check(_is_number(self.clipnorm) and self.clipnorm >= 0,
              f"clipnorm must be >= 0 (0 for no clipping), got {self.clipnorm!r}.", "use clipnorm = 1.0.")
        check(_is_int(self.seed), f"seed must be an integer, got {self.seed!r}.", "use seed = 13.")
        check(_is_int(self.networks) and 1 <= self.networks <= MAX_NETWORKS,
              f"networks must be an integer from 1 to {MAX_NETWORKS}, got {self.networks!r}.",
              "use networks = 1 (one network), or 4 for a bag of four (4 x the train and predict time).")
        check(not (self.refit and self.networks > 1), "refit = true takes one network, but networks = "
              f"{self.networks}.", "use networks = 1 with refit, or refit = false with a bag of networks.")
        check(self.teacher in TEACHERS, f"teacher must be one of {', '.join(TEACHERS)}, got {self.teacher!r}.",
              "use teacher = \"none\" (or \"linear\": soft targets from a cross-fitted linear model).")
        check(_is_number(self.teacher_mix) and 0 <= self.teacher_mix <= 1,
              f"teacher_mix must be in [0, 1], got {self.teacher_mix!r}.", "use teacher_mix = 0.5.")
        check(self.inference in INFERENCES, f"inference must be one of {', '.join(INFERENCES)}, got "
              f"{self.inference!r}.", "use inference = \"auto\".")
        for name in ("trainable_embeddings", "bidirectional", "mask", "bucketing", "early_stopping", "prior_bias",
                     "deterministic", "refit"):
            value = getattr(self, name)
            check(isinstance(value, bool), f"{name} must be true or false, got {value!r}.",
                  f"use {name} = {str(getattr(type(self), name)).lower()}.")

    @classmethod
    def tutorial(cls, **changes) -> LstmConfig:
        """The 2018 tutorial's network: frozen Word2Vec embedding -> LSTM(100) -> Dense(sigmoid), 1,000 tokens.

        Adam at Keras' default learning rate, 5 epochs, Keras' default batch size (32), no masking,
        no dropout, no early stopping, no teacher; the vocabulary is the Word2Vec vectors' (pass ``vectors`` to fit).
        """
        settings = dict(vocabulary="vectors", max_vocab=0, min_count=1, embedding_dim=None,
                        trainable_embeddings=False, bidirectional=False, units=100, pooling="last", dropout=0.0,
                        prior_bias=False, mask=False, bucketing=False, max_length=1000, padding="pre",
                        epochs=5, batch_size=32, learning_rate=1e-3, clipnorm=0,
                        early_stopping=False, teacher="none")
        settings.update(changes)
        return cls(**settings)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------------------------ teacher


def teacher_folds(n_texts: int, folds: int = 5) -> int:
    """The teacher's cross-fit folds for ``n_texts`` training texts (below 2: too few for held-out scores).

    Example:
        >>> teacher_folds(1000), teacher_folds(6), teacher_folds(3)
        (5, 3, 1)
    """
    return min(folds, n_texts // 2)


def teacher_scores(texts: list[str], Y: np.ndarray, labels: list[str], tokenizer, auxiliary=None,
                   folds: int = 5) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """A cross-fitted ``linear`` teacher on ``texts`` (+ ``auxiliary`` rows): held-out scores of ``texts``.

    Returns ``(train_scores, aux_scores, info)``: each training row's score from the fold model that did not
    train on it (the linear model's own cross-fit, ``folds`` folds, fewer for tiny data), the final teacher's
    scores of the auxiliary rows (used only for the tags their source does not annotate, which the teacher never
    trained on for those rows; None without auxiliary rows) and what ``lstm.json`` records.
    """
    import time

    from .linear import LinearModel

    folds = teacher_folds(len(texts), folds)
    if folds < 2:
        raise ConfigError(f"teacher = \"linear\" needs at least 4 training texts for its held-out scores, got "
                          f"{len(texts)}.", fix="use teacher = \"none\" for so few texts.")
    start = time.perf_counter()
    status(f"lstm: teacher: a linear model cross-fitted over {len(texts):,} texts ({folds} folds)")
    teacher = LinearModel(cross_fit=folds).fit(texts, Y, labels=labels, tokenizer=tokenizer, auxiliary=auxiliary)
    held_y, train_scores = teacher.tuning_  # the cross-fit's out-of-fold scores, in the rows' order
    assert held_y.shape == Y.shape and np.array_equal(held_y, Y), "the teacher's held-out rows are the training rows"
    aux_scores = teacher.predict_proba(auxiliary.texts) if auxiliary is not None else None
    info = {"model": "linear", "cross_fit": folds, "rows": len(texts),
            "auxiliary_rows": len(auxiliary.texts) if auxiliary is not None else 0,
            "seconds": round(time.perf_counter() - start, 2)}
    return np.asarray(train_scores, dtype=np.float32), aux_scores, info


def soft_targets(Y: np.ndarray, train_scores: np.ndarray, mix: float, auxiliary=None,
                 aux_scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distillation targets and per-entry loss weights, training rows then auxiliary rows.

    A training row: ``(1 - mix) * label + mix * teacher's score``, weight 1. An auxiliary row: its label where
    its source annotates the tag, else the teacher's score; weight = the auxiliary weight on every tag.

    Example:
        >>> t, w = soft_targets(np.array([[1.0, 0.0]]), np.array([[0.5, 0.25]]), 0.5)
        >>> t.tolist(), w.tolist()
        ([[0.75, 0.125]], [[1.0, 1.0]])
    """
    Y = np.asarray(Y, dtype=np.float32)
    targets = (1 - mix) * Y + mix * np.asarray(train_scores, dtype=np.float32)
    weights = np.ones_like(Y)
    if auxiliary is not None:
        aux_targets = np.where(auxiliary.known, auxiliary.Y, np.asarray(aux_scores, dtype=np.float32))
        targets = np.vstack([targets, aux_targets])
        weights = np.vstack([weights, np.full(auxiliary.Y.shape, auxiliary.weight, dtype=np.float32)])
    return targets.astype(np.float32), weights.astype(np.float32)


# ------------------------------------------------------------------------------------------------ Keras


@functools.cache
def _custom_objects() -> dict:
    """The custom layer, defined (and registered serializable) on first use."""
    keras = import_keras()
    from keras import ops

    register = keras.saving.register_keras_serializable(package="multilabeltext")

    @register
    class MaskedGlobalMaxPooling1D(keras.layers.Layer):
        """Max over time of the unmasked steps; a row whose steps are all masked gives zeros (not -inf)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            if mask is None:
                return ops.max(inputs, axis=1)
            keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
            lowest = ops.full_like(inputs, -1e9)
            pooled = ops.max(ops.where(keep, inputs, lowest), axis=1)
            any_step = ops.cast(ops.any(keep, axis=1), inputs.dtype)
            return pooled * any_step

        def compute_mask(self, inputs, mask=None):
            return None

        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[2])

    return {"MaskedGlobalMaxPooling1D": MaskedGlobalMaxPooling1D}


def _gpu_visible() -> bool:
    """Whether TensorFlow sees a GPU (there Keras' cuDNN kernel predicts; ONNX Runtime's is a CPU kernel)."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def cudnn_eligible(config: LstmConfig) -> bool:
    """Whether the layer qualifies for Keras' fused cuDNN LSTM kernel on a GPU (masked rows must be right-padded)."""
    return not (config.mask and config.padding == "pre")


def build_network(config: LstmConfig, vocab_size: int, n_labels: int, embedding_dim: int,
                  embedding_matrix: np.ndarray | None = None, output_bias: np.ndarray | None = None):
    """The Keras model for ``config`` (not compiled): token ids (batch, time) -> label scores (batch, n_labels)."""
    keras = import_keras()
    layers = keras.layers
    custom = _custom_objects()
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    embedding = layers.Embedding(vocab_size, embedding_dim, mask_zero=config.mask,
                                 trainable=config.trainable_embeddings, name="embedding")
    x = embedding(tokens)
    if config.dropout > 0:
        x = layers.SpatialDropout1D(config.dropout, name="embedding_dropout")(x)
    # Keras' fused cuDNN kernel (on a GPU) needs tanh/sigmoid, no dropout inside the layer, no unrolling, a bias
    # and, with a mask, right-padded rows that each keep one step: all true here unless mask + front padding
    # stacked layers: each but the last returns every step to the next; the first keeps its 1-layer names
    for k in range(1, config.layers + 1):
        suffix = "" if k == 1 else f"_{k}"
        rnn = layers.LSTM(config.units, return_sequences=k < config.layers or config.pooling != "last",
                          name=f"lstm{suffix}", use_cudnn="auto" if cudnn_eligible(config) else False)
        if config.bidirectional:
            rnn = layers.Bidirectional(rnn, name=f"bidirectional{suffix}")
        x = rnn(x)
    if config.pooling == "max":
        x = custom["MaskedGlobalMaxPooling1D"](name="max_pool")(x)
    if config.dropout > 0:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    output = layers.Dense(n_labels, activation="sigmoid", name="tags")
    scores = output(x)
    model = keras.Model(tokens, scores, name="lstm_tagger")
    if embedding_matrix is not None:
        embedding.set_weights([np.asarray(embedding_matrix, dtype="float32")])
    if output_bias is not None:
        output.bias.assign(np.asarray(output_bias, dtype="float32"))
    return model


# ------------------------------------------------------------------------------------------------ model


def _like_targets(Y: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Labels ``Y`` laid out like the training ``targets``: with a teacher or auxiliary rows (labels then per-entry
    weights, for the masked loss) each label gets weight 1; else ``Y`` as it is.

    Example:
        >>> _like_targets(np.array([[1.0, 0.0]]), np.zeros((3, 4))).tolist()
        [[1.0, 0.0, 1.0, 1.0]]
    """
    return np.hstack([Y, np.ones_like(Y)]) if targets.shape[1] != Y.shape[1] else Y


class _Rows(NamedTuple):
    """What every network of a bag trains on: the texts (training, then auxiliary), their token ids, targets and
    loss, the training labels, and the validation split (texts, labels) with its token ids (or None)."""

    texts: list[str]
    seqs: list[np.ndarray]
    targets: np.ndarray
    loss: object
    Y: np.ndarray
    validation: tuple | None
    val_seqs: list[np.ndarray] | None


class LstmModel(TagModel):
    """Embedding -> (Bi)LSTM -> pooling -> Dense(sigmoid), trained with binary cross-entropy and Adam."""

    name = "lstm"
    Config = LstmConfig
    supports_auxiliary = True
    network_trainer = None  # set: trains the compiled network instead of Keras' fit (keras_support.NetworkTrainer)

    @property
    def model_(self):
        """The Keras network (with ``networks`` > 1, the first of ``networks_``, whose probabilities are averaged)."""
        return self.networks_[0]

    # --- vocabulary and sequences -----------------------------------------------------------------------
    def _build_vocabulary(self, token_lists: list[list[str]]) -> list[str]:
        cfg = self.config
        if cfg.vocabulary == "vectors":
            words = list(self.vectors_.index_to_key)
        else:
            counts = Counter(t for tokens in token_lists for t in tokens)
            words = sorted((w for w, c in counts.items() if c >= cfg.min_count), key=lambda w: (-counts[w], w))
        if cfg.max_vocab:
            words = words[: cfg.max_vocab]
        return [PAD_TOKEN, OOV_TOKEN, *words]

    def _set_vocabulary(self, vocab: list[str]) -> None:
        self.vocab_ = vocab
        self.index_ = {t: i for i, t in enumerate(vocab)}
        self.index_.pop(PAD_TOKEN, None)
        self.index_.pop(OOV_TOKEN, None)

    def _encode(self, texts: list[str], token_lists: list[list[str]] | None = None) -> list[np.ndarray]:
        """Token ids per text (unknown tokens -> OOV), truncated to ``max_length`` on the padding side.

        A text without tokens becomes one OOV token: every row keeps one unmasked step (cuDNN refuses rows
        that are all padding, and the max-pooling has something to pool).
        """
        get, limit, front = self.index_.get, self.config.max_length, self.config.padding == "pre"
        if token_lists is None:
            token_lists = self.tokenizer_.batch(list(texts))
        out = []
        for tokens in token_lists:
            ids = [get(t, OOV) for t in tokens] or [OOV]  # no tokens: one unknown one (no all-masked rows)
            if len(ids) > limit:
                ids = ids[-limit:] if front else ids[:limit]
            out.append(np.asarray(ids, dtype=np.int32))
        return out

    def _pad(self, seqs: list[np.ndarray], width: int | None = None) -> np.ndarray:
        """One batch as a (rows, width) int32 matrix; width = the longest sequence (at least 1)."""
        width = width or max(1, max((len(s) for s in seqs), default=0))
        batch = np.zeros((len(seqs), width), dtype=np.int32)
        front = self.config.padding == "pre"
        for row, s in zip(batch, seqs):
            if len(s):
                if front:
                    row[-len(s):] = s
                else:
                    row[: len(s)] = s
        return batch

    def _batch_width(self) -> int | None:
        """Fixed padded width (the tutorial's 1,000 tokens) unless batches are padded to their own length."""
        return None if self.config.bucketing else self.config.max_length

    def _batches(self, n: int, lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None):
        """Row indices per batch: sorted by length within pools of ``SHUFFLE_POOL`` batches, shuffled order.

        Without ``rng`` (evaluation): all rows sorted by length, in order.
        """
        if rng is None:
            order = np.argsort(lengths, kind="stable")
            return [order[i:i + batch_size] for i in range(0, n, batch_size)]
        if not self.config.bucketing:
            order = rng.permutation(n)
            batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        else:
            order = rng.permutation(n)
            pool = batch_size * SHUFFLE_POOL
            batches = []
            for start in range(0, n, pool):
                part = order[start:start + pool]
                part = part[np.argsort(lengths[part], kind="stable")]
                batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
        return [batches[i] for i in rng.permutation(len(batches))]

    def _dataset(self, seqs: list[np.ndarray], Y: np.ndarray, batch_size: int, shuffle: bool, seed: int | None = None):
        """A tf.data pipeline of padded (ids, labels) batches; with ``shuffle``, new batches every epoch (from
        ``seed``, default the config's)."""
        import tensorflow as tf

        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        rng = np.random.default_rng(self.config.seed if seed is None else seed) if shuffle else None
        width = self._batch_width()
        fixed = None if shuffle else self._batches(len(seqs), lengths, batch_size, None)

        def generate():
            for rows in (fixed if fixed is not None else self._batches(len(seqs), lengths, batch_size, rng)):
                yield self._pad([seqs[i] for i in rows], width), Y[rows]

        n_batches = math.ceil(len(seqs) / batch_size)
        spec = (tf.TensorSpec((None, width), tf.int32), tf.TensorSpec((None, Y.shape[1]), tf.float32))
        ds = tf.data.Dataset.from_generator(generate, output_signature=spec)
        return ds.apply(tf.data.experimental.assert_cardinality(n_batches)).prefetch(2)

    # --- fit ----------------------------------------------------------------------------------------------
    def _embedding_setup(self, seed: int) -> tuple[int, np.ndarray | None]:
        """The embedding size and its initial matrix (rows from the vectors, unknown words' rows random from
        ``seed``; None to learn from scratch)."""
        cfg, kv = self.config, self.vectors_
        if kv is None:
            if not cfg.trainable_embeddings:
                status("[yellow]lstm: frozen embeddings without vectors stay random; pass Word2Vec vectors.[/]")
            return cfg.embedding_dim or SCRATCH_DIM, None
        dim = int(kv.vector_size)
        if cfg.embedding_dim is not None and cfg.embedding_dim != dim:
            raise ConfigError(f"embedding_dim = {cfg.embedding_dim} but the vectors have {dim} dimensions.",
                              fix="leave embedding_dim out to take the vectors' size.")
        from ..embeddings import embedding_matrix  # row 0 ("<pad>") zeros, unknown words small random rows

        return dim, embedding_matrix(kv, self.vocab_, seed=seed)

    def _fit(self, texts, Y, validation):
        keras = import_keras()
        cfg = self.config
        aux = self.auxiliary_
        if cfg.vocabulary == "vectors" and self.vectors_ is None:
            raise ConfigError("vocabulary = \"vectors\" (the tutorial's) needs Word2Vec vectors.",
                              fix="pass vectors (train them with multilabeltext.embeddings), or use "
                                  "vocabulary = \"train\".")
        if cfg.networks > 1 and self.network_trainer is not None:
            raise ConfigError(f"networks = {cfg.networks}: this trainer (e.g. data-parallel on Spark) trains one "
                              "network.", fix="use networks = 1 there, or train the bag without --engine spark.")
        self.device_ = training_device(cudnn=cudnn_eligible(cfg), deterministic=cfg.deterministic)
        keras.utils.set_random_seed(cfg.seed)
        all_texts = list(texts) + (aux.texts if aux else [])
        token_lists = self.tokenizer_.batch(all_texts)
        self._set_vocabulary(self._build_vocabulary(token_lists))
        targets, loss = self._targets(texts, Y)
        rows = _Rows(all_texts, self._encode(all_texts, token_lists), targets, loss, Y, validation,
                     self._encode(validation[0]) if validation is not None else None)  # None: an empty split
        del token_lists
        self.networks_, self.networks_info_, histories = [], [], []
        for k in range(cfg.networks):
            if k:  # each network of a bag: its own seed for the initial weights, dropout and batch order
                status(f"lstm: network {k + 1}/{cfg.networks} (seed {cfg.seed + k})")
                keras.utils.set_random_seed(cfg.seed + k)
            self.history_ = []
            new_network = self._train_network(keras, cfg.seed + k, rows)
            histories.append(self.history_)
            self.networks_info_.append({"seed": cfg.seed + k, "best_epoch": self.best_epoch_, "stop": self.stop_,
                                        "seconds": round(sum(h["seconds"] for h in self.history_), 2)})
        # history.json, best_epoch and stop are the first network's; lstm.json lists every network's
        self.history_, self.best_epoch_, self.stop_ = (histories[0], self.networks_info_[0]["best_epoch"],
                                                       self.networks_info_[0]["stop"])
        self.refit_ = None
        if cfg.refit and cfg.early_stopping and validation is not None and self.network_trainer is None:
            self._refit(keras, new_network, rows.seqs, targets, validation)
        self._predict_fn = self._onnx = None

    def _targets(self, texts, Y) -> tuple[np.ndarray, object]:
        """The training targets (training rows, then auxiliary rows) and the loss they take.

        Labels alone: ``Y`` and binary cross-entropy. With a teacher or auxiliary rows: soft targets or labels,
        then per-entry weights (``hstack``), and the masked loss that reads them.
        """
        keras, cfg, aux = import_keras(), self.config, self.auxiliary_
        self.teacher_ = None
        teacher = cfg.teacher
        if teacher != "none" and teacher_folds(len(texts)) < 2:
            status(f"lstm: teacher skipped: {len(texts)} training text(s) are too few for its held-out scores "
                   "(4 needed); training on the labels alone")
            teacher = "none"
        if teacher != "none":  # soft targets: the teacher's out-of-fold scores blended in (labels, weights)
            train_scores, aux_scores, self.teacher_ = teacher_scores(texts, Y, self.labels_, self.tokenizer_config_,
                                                                     aux)
            soft, weights = soft_targets(Y, train_scores, cfg.teacher_mix, aux, aux_scores)
            return np.hstack([soft, weights]).astype(np.float32), masked_binary_crossentropy
        if aux:  # per-entry weights: 1 for training rows, the auxiliary weight for the tags its source annotates
            weights = np.vstack([np.ones_like(Y), np.tile(aux.label_weights, (len(aux.texts), 1))])
            return np.hstack([np.vstack([Y, aux.Y]), weights]).astype(np.float32), masked_binary_crossentropy
        return Y, keras.losses.BinaryCrossentropy()

    def _train_network(self, keras, seed: int, rows: _Rows):
        """One network built from ``seed`` and trained on ``rows`` (early-stopped on their validation part),
        appended to ``networks_``; sets ``history_``, ``best_epoch_`` and ``stop_``. Returns its builder."""
        cfg, aux, Y = self.config, self.auxiliary_, rows.Y
        dim, matrix = self._embedding_setup(seed)
        bias = None
        if cfg.prior_bias:  # log-odds of each tag: rare tags start near their base rate, not at 0.5
            prior = np.clip(Y.mean(axis=0), 1e-4, 1 - 1e-4)
            bias = np.log(prior / (1 - prior))

        def new_network():
            network = build_network(cfg, len(self.vocab_), Y.shape[1], dim, matrix, bias)
            network.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate, clipnorm=cfg.clipnorm or None),
                            loss=rows.loss)
            return network

        network = new_network()
        self.networks_.append(network)
        train_data = self._dataset(rows.seqs, rows.targets, cfg.batch_size, shuffle=True, seed=seed)
        val_data = None
        if rows.validation is not None:
            Y_val = _like_targets(rows.validation[1], rows.targets)
            val_data = self._dataset(rows.val_seqs, Y_val, max(cfg.batch_size, cfg.predict_batch_size), shuffle=False)
        callbacks = [epoch_report(self, len(rows.seqs), cfg.epochs, keras)]
        stopper = None
        if val_data is not None and cfg.early_stopping:
            stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience,
                                                    restore_best_weights=True)
            callbacks.append(stopper)
        if len(self.networks_) == 1:
            status(f"lstm: {len(Y):,} texts{f' + {len(aux.texts):,} auxiliary' if aux else ''}, vocabulary "
                   f"{len(self.vocab_):,}, embedding {dim}{' (Word2Vec)' if matrix is not None else ''}, "
                   f"{network.count_params():,} parameters"
                   f"{f' x {cfg.networks} networks' if cfg.networks > 1 else ''}; {describe_device(self.device_)}")
        if self.network_trainer is not None:  # e.g. data-parallel on Spark: the same network, loss and optimizer
            self.network_trainer(self, rows.texts, rows.targets, rows.validation, early_stopping=stopper is not None)
        else:
            network.fit(train_data, validation_data=val_data, epochs=cfg.epochs, callbacks=callbacks, verbose=0,
                        shuffle=False)
        scored = [h for h in self.history_ if h.get("val_loss") is not None]
        # the epoch whose weights the model keeps (early stopping restores the best one), 1-based
        self.best_epoch_ = (min(scored, key=lambda h: h["val_loss"])["epoch"]
                            if stopper is not None and scored else len(self.history_))
        self.stop_ = stop_reason(self.history_, cfg.epochs, self.best_epoch_, stopper is not None)
        if self.history_:
            self.history_[-1]["stopped"] = self.stop_["reason"]
        still = self.stop_["reason"] == "epoch_cap_still_improving"
        status(("[yellow]" if still else "") + f"lstm: {self.stop_['message']}" + ("[/]" if still else ""))
        return new_network

    def _refit(self, keras, new_network, seqs, targets, validation) -> None:
        """``refit``: a new network (same seed) on the fit + validation rows for the best epoch count.

        Thresholds are still tuned on held-out scores: the early-stopped network's on the validation rows.
        """
        self.validation_proba_ = self.predict_proba(validation[0])
        self.tuning_ = (validation[1], self.validation_proba_)
        Y_val = _like_targets(validation[1], targets)
        keras.utils.set_random_seed(self.config.seed)
        self.networks_ = [new_network()]
        rows = list(seqs) + self._encode(validation[0])
        data = self._dataset(rows, np.vstack([targets, Y_val]).astype(np.float32), self.config.batch_size,
                             shuffle=True)
        first, self.history_ = self.history_, []
        status(f"lstm: refit on {len(rows):,} texts (fit + validation) for {self.best_epoch_} epochs")
        try:
            self.model_.fit(data, epochs=self.best_epoch_, callbacks=[epoch_report(self, len(rows), self.best_epoch_,
                                                                                    keras)], verbose=0, shuffle=False)
            refit_history = self.history_
        finally:
            self.history_ = first
        self.refit_ = {"epochs": self.best_epoch_, "rows": len(rows),
                       "seconds": round(sum(h["seconds"] for h in refit_history), 2)}

    # --- predict ------------------------------------------------------------------------------------------
    def _predictors(self) -> list:
        """Per network, ``network(x, training=False)`` compiled once for any (batch, time) shape."""
        if getattr(self, "_predict_fn", None) is None:
            import tensorflow as tf

            def compiled(network):
                def predict(x):
                    return network(x, training=False)

                # autograph=False: plain tensor code, nothing to convert (and no "could not transform" warning)
                return tf.function(predict, autograph=False, input_signature=[tf.TensorSpec((None, None), tf.int32)])

            self._predict_fn = [compiled(network) for network in self.networks_]
        return self._predict_fn

    def _onnx_sessions(self) -> list | None:
        """ONNX Runtime's session of each network (``inference``: auto on a CPU, or onnxruntime), else None."""
        if getattr(self, "_onnx", None) is None and self.config.inference != "keras":
            from . import lstm_onnx

            wanted = self.config.inference == "onnxruntime"
            usable = lstm_onnx.available() and lstm_onnx.supported(self.config)
            if wanted and not usable:
                raise ConfigError("inference = \"onnxruntime\" needs the onnxruntime and onnx packages and a "
                                  "network they describe (mask = true, padding = \"post\", one layer).",
                                  fix="pip install 'multilabeltext[fast-lstm]', or use inference = \"auto\".")
            self._onnx = False  # Keras predicts (a GPU, no onnxruntime, or a network it does not take)
            if usable and (wanted or not _gpu_visible()):
                try:
                    self._onnx = [lstm_onnx.session(network, self.config, resolve_jobs(0))
                                  for network in self.networks_]
                except Exception as exc:  # noqa: BLE001 (any failure to build the graph: Keras still predicts)
                    if wanted:
                        raise ConfigError(f"ONNX Runtime could not take this network ({exc}).",
                                          fix="use inference = \"auto\" or \"keras\".") from None
                    status(f"[yellow]lstm: ONNX Runtime could not take this network ({str(exc)[:200]}); "
                           "Keras predicts.[/]")
        return getattr(self, "_onnx", None) or None

    def _predict_proba(self, texts):
        """Each network's probabilities of ``texts`` (batches sorted by length), averaged over the networks."""
        import_keras()
        seqs = self._encode(texts)
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        out = np.zeros((len(texts), len(self.labels_)), dtype=np.float32)
        sessions = self._onnx_sessions()
        if sessions is not None:
            from .lstm_onnx import BATCH_ROWS, run

            def scores(session, batch, rows):
                return run(session, batch, lengths[rows])

            models, batch_rows, width = sessions, min(self.config.predict_batch_size, BATCH_ROWS), None
        else:
            def scores(predict, batch, rows):
                return np.asarray(predict(batch))

            # with masking the padding does not change the outputs, so pad each sorted batch to its own length
            models, batch_rows = self._predictors(), self.config.predict_batch_size
            width = None if self.config.mask else self.config.max_length
        for rows in self._batches(len(seqs), lengths, batch_rows, None):
            batch = self._pad([seqs[i] for i in rows], width)
            out[rows] = scores(models[0], batch, rows)
            for model in models[1:]:
                out[rows] += scores(model, batch, rows)
        if len(models) > 1:
            out /= len(models)
        return out

    # --- save / load --------------------------------------------------------------------------------------
    @staticmethod
    def network_file(k: int) -> str:
        """The file of network ``k`` (0-based) in a model directory: ``model.keras``, then ``model-2.keras``, ...

        Example:
            >>> LstmModel.network_file(0), LstmModel.network_file(3)
            ('model.keras', 'model-4.keras')
        """
        return "model.keras" if k == 0 else f"model-{k + 1}.keras"

    def _save(self, directory: Path) -> None:
        for k, network in enumerate(self.networks_):
            save_keras(network, directory / self.network_file(k))
        (directory / "vocab.json").write_text(json.dumps(self.vocab_, ensure_ascii=False), encoding="utf-8")
        (directory / "history.json").write_text(json.dumps(self.history_, indent=1) + "\n", encoding="utf-8")
        info = {"format_version": 1, "best_epoch": getattr(self, "best_epoch_", None), "vocab_size": len(self.vocab_),
                "keras_version": import_keras().__version__, "stop": getattr(self, "stop_", None),
                "device": getattr(self, "device_", None), "refit": getattr(self, "refit_", None),
                "teacher": getattr(self, "teacher_", None), "networks": getattr(self, "networks_info_", None)}
        (directory / "lstm.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")

    def _load(self, directory: Path) -> None:
        keras = import_keras()
        _custom_objects()  # registers the custom layer before loading
        self._set_vocabulary(json.loads((directory / "vocab.json").read_text(encoding="utf-8")))
        files = [directory / self.network_file(k) for k in range(self.config.networks)]
        missing = [f.name for f in files if not f.exists()]
        if missing:
            raise MultilabeltextError(f"{directory} is an lstm of {self.config.networks} networks, but "
                                      f"{', '.join(missing)} is missing.",
                                      fix="copy the whole model directory, or train the model again.")
        # prediction needs the weights only (an auxiliary-trained model's loss is a plain function)
        self.networks_ = [keras.saving.load_model(f, safe_mode=True, compile=False) for f in files]
        history = directory / "history.json"
        if history.exists():
            self.history_ = json.loads(history.read_text(encoding="utf-8"))
        info = directory / "lstm.json"
        if info.exists():
            info = json.loads(info.read_text(encoding="utf-8"))
            self.best_epoch_, self.stop_, self.device_ = info.get("best_epoch"), info.get("stop"), info.get("device")
            self.refit_, self.teacher_, self.networks_info_ = info.get("refit"), info.get("teacher"), info.get("networks")
        self._predict_fn = self._onnx = None

    def __getstate__(self):  # the compiled predict function cannot be pickled; it is rebuilt on demand
        state = dict(self.__dict__)
        state["_predict_fn"] = state["_onnx"] = None
        return state
