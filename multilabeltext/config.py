"""Settings: one dataclass per stage, validated on creation, to and from dict and TOML.

The commented defaults live in ``multilabeltext/defaults/*.toml``; a test keeps them equal to the
dataclass defaults.

Example:
    >>> cfg = PrepareConfig(top_n=10, exclude_tags=["python"])
    >>> PrepareConfig.from_dict(cfg.to_dict()) == cfg
    True
    >>> PrepareConfig(top_n=0)
    Traceback (most recent call last):
    ...
    multilabeltext.errors.ConfigError: top_n must be a positive number of tags (or unset for all tags), got 0. Fix: pass --top-n 10, say, or leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import thresholds
from .settings import Settings, check

FORMATS = ("auto", "kaggle", "posts-xml", "posts-csv", "fasttext", "table")
FIELDS = ("title", "body", "answers")
SPLITS = ("train", "validation", "test")
SPLIT_METHODS = ("iterative", "column", "none")
WORD2VEC_SPLITS = ("train", "validation")  # the splits Word2Vec learns from by default (never test)
CORPUS_MODES = ("auto", "memory", "stream", "file")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")  # of serve


@dataclass(frozen=True)
class TokenizerConfig(Settings):
    """How text becomes tokens; saved with every dataset and model so all stages tokenize alike.

    Example:
        >>> TokenizerConfig().to_dict()
        {'lowercase': True, 'remove_stopwords': True, 'min_length': 1}
    """

    section: ClassVar[str] = "tokenizer"
    lowercase: bool = True
    remove_stopwords: bool = True
    min_length: int = 1

    def __post_init__(self):
        check(isinstance(self.min_length, int) and self.min_length >= 1,
               f"min_length must be an integer >= 1, got {self.min_length!r}.", "use min_length = 1.")


@dataclass(frozen=True)
class PrepareConfig(Settings):
    """Options of the ``prepare`` stage (raw dump -> dataset directory).

    Example:
        >>> PrepareConfig(fields=["title"]).fields
        ('title',)
    """

    section: ClassVar[str] = "prepare"
    # reading
    format: str = "auto"
    encoding: str | None = None
    text_columns: tuple[str, ...] = ()
    label_column: str | None = None
    id_column: str | None = None
    label_delimiter: str | None = None
    html: bool | None = None
    strict: bool = False
    # text
    fields: tuple[str, ...] = FIELDS
    max_answers: int | None = None
    drop_code: bool = False
    dedupe: bool = True
    # tags
    top_n: int | None = None
    exclude_tags: tuple[str, ...] = ()
    min_tag_count: int = 1
    # split
    split: str = "iterative"
    split_column: str | None = None
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    validation_fraction: float = 0.1  # --split column without validation rows: this share of train becomes one
    seed: int = 13
    # output and execution
    tutorial_artifacts: bool = False
    jobs: int = 0
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)

    def __post_init__(self):
        # accept lists (from TOML/JSON) and store tuples so the config stays hashable and comparable
        for name in ("text_columns", "fields", "exclude_tags", "split_ratios"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            object.__setattr__(self, name, tuple(value))
        if isinstance(self.tokenizer, dict):
            object.__setattr__(self, "tokenizer", TokenizerConfig.from_dict(self.tokenizer))
        check(self.format in FORMATS, f"format must be one of {', '.join(FORMATS)}, got {self.format!r}.",
               "pass --format auto to detect it from the files.")
        bad = [f for f in self.fields if f not in FIELDS]
        check(not bad and len(self.fields) > 0,
               f"fields must be some of {', '.join(FIELDS)}, got {', '.join(self.fields) or 'none'}.",
               "pass e.g. --fields title,body.")
        check(self.top_n is None or (isinstance(self.top_n, int) and self.top_n > 0),
               f"top_n must be a positive number of tags (or unset for all tags), got {self.top_n!r}.",
               "pass --top-n 10, say, or leave it out.")
        check(isinstance(self.min_tag_count, int) and self.min_tag_count >= 1,
               f"min_tag_count must be an integer >= 1, got {self.min_tag_count!r}.", "pass --min-tag-count 5, say.")
        check(self.max_answers is None or (isinstance(self.max_answers, int) and self.max_answers >= 0),
               f"max_answers must be >= 0 (or unset for all), got {self.max_answers!r}.", "pass --max-answers 3, say.")
        check(self.split in SPLIT_METHODS,
               f"split must be one of {', '.join(SPLIT_METHODS)}, got {self.split!r}.",
               "use --split iterative (stratified), --split column (the data's own), or --split none.")
        ratios = self.split_ratios
        check(len(ratios) == 3 and all(isinstance(r, (int, float)) and r >= 0 for r in ratios)
               and abs(sum(ratios) - 1.0) < 1e-6 and ratios[0] > 0,
               f"split_ratios must be three non-negative fractions (train, validation, test) summing to 1, "
               f"got {', '.join(map(str, ratios))}.", "pass --split-ratios 0.8,0.1,0.1.")
        object.__setattr__(self, "split_ratios", tuple(float(r) for r in ratios))
        check(isinstance(self.validation_fraction, (int, float)) and 0 <= self.validation_fraction < 1,
               f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}.",
               "pass --validation-fraction 0.1 (0: no validation split).")
        check(isinstance(self.jobs, int) and self.jobs >= 0,
               f"jobs must be >= 0 (0 = one per CPU core), got {self.jobs!r}.", "pass --jobs 2, say.")
        check(isinstance(self.seed, int), f"seed must be an integer, got {self.seed!r}.", "pass --seed 13.")
        check(self.label_delimiter is None or len(self.label_delimiter) > 0,
               "label_delimiter must not be empty.", "pass e.g. --label-delimiter '|' or leave it out.")


@dataclass(frozen=True)
class TrainConfig(Settings):
    """Options of the ``train`` stage (dataset directory -> model directory).

    Example:
        >>> TrainConfig(model="linear", params={"C": 1.0}).params
        {'C': 1.0}
    """

    section: ClassVar[str] = "train"
    model: str = "linear"
    params: dict = field(default_factory=dict)
    # the decision rule tuned on validation (multilabeltext.thresholds.Thresholds holds its methods and defaults)
    threshold: str = thresholds.TRAIN_METHOD
    fixed_threshold: float = thresholds.DEFAULT_FIXED
    min_tags: int = thresholds.TRAIN_MIN_TAGS
    optimize: str = thresholds.TRAIN_OPTIMIZE  # micro | macro | samples: the F1 the rule is tuned for
    shrink: float = thresholds.TRAIN_SHRINK  # per-tag only: pull toward the global threshold (0: none)
    vectors: str | None = None
    auxiliary: str | None = None  # a prepared dataset directory of related texts to train on too (linear, mlp)
    auxiliary_tag: str | None = None  # keep only its rows carrying this tag (e.g. "python")
    auxiliary_weight: float = 0.3  # how much one auxiliary row counts against one training row
    seed: int = 13

    def rule_options(self) -> dict:
        """How the decision rule is tuned: the keyword arguments of
        :meth:`multilabeltext.thresholds.Thresholds.fit` (``method``, ``min_tags``, ``fixed``, ``metric``,
        ``shrink``)."""
        return {"method": self.threshold, "min_tags": self.min_tags, "fixed": self.fixed_threshold,
                "metric": f"{self.optimize}_f1", "shrink": self.shrink}

    def __post_init__(self):
        check(isinstance(self.params, dict), f"params must be a table of model settings, got {self.params!r}.",
              "write them under [train.params] in the TOML file, or pass --param key=value.")
        thresholds.check_method(self.threshold, "threshold")
        thresholds.check_threshold(self.fixed_threshold, "fixed_threshold")
        thresholds.check_min_tags(self.min_tags)
        thresholds.check_optimize(self.optimize)
        thresholds.check_shrink(self.shrink)
        check(isinstance(self.seed, int), f"seed must be an integer, got {self.seed!r}.", "pass --seed 13.")
        check(isinstance(self.auxiliary_weight, (int, float)) and 0 < self.auxiliary_weight <= 1,
              f"auxiliary_weight must be in (0, 1], got {self.auxiliary_weight!r}.", "use --auxiliary-weight 0.3.")


def is_int(value: Any) -> bool:
    """A whole number, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Word2VecConfig(Settings):
    """Options of the ``word2vec`` stage; the defaults are the 2018 tutorial's skip-gram setup.

    Example:
        >>> Word2VecConfig(splits="train").splits
        ('train',)
        >>> Word2VecConfig(splits=["train", "test"])
        Traceback (most recent call last):
        ...
        multilabeltext.errors.ConfigError: splits must not include 'test': test text must never leak into training (Word2Vec would learn from the questions the models are scored on). Fix: use --splits train,validation (the default) or --splits train.
    """

    section: ClassVar[str] = "word2vec"
    vector_size: int = 150
    window: int = 10
    min_count: int = 2
    sg: int = 1
    epochs: int = 5
    min_words: int = 3_000_000  # small corpora get more epochs, until this many words are seen ...
    max_epochs: int = 30  # ... but no more epochs than this (min_words = 0: exactly `epochs`)
    negative: int = 5
    sample: float = 1e-3
    workers: int = 0
    seed: int = 13
    splits: tuple[str, ...] = WORD2VEC_SPLITS
    max_vocab: int | None = None
    corpus: str = "auto"

    def __post_init__(self):
        splits = self.splits
        if isinstance(splits, str):
            splits = [s.strip() for s in splits.split(",") if s.strip()]
        splits = tuple(dict.fromkeys(splits))  # drop repeats, keep order
        object.__setattr__(self, "splits", splits)
        if isinstance(self.sg, bool):
            object.__setattr__(self, "sg", int(self.sg))
        for name, least, fix in (("vector_size", 1, "pass --vector-size 150, say."),
                                 ("window", 1, "pass --window 10, say."),
                                 ("min_count", 1, "pass --min-count 2, say (1 keeps every word)."),
                                 ("epochs", 1, "pass --epochs 5, say."),
                                 ("max_epochs", 1, "use max_epochs = 30."),
                                 ("negative", 1, "use negative = 5 (negative sampling is the only objective used).")):
            value = getattr(self, name)
            check(is_int(value) and value >= least, f"{name} must be an integer >= {least}, got {value!r}.", fix)
        check(is_int(self.min_words) and self.min_words >= 0,
               f"min_words must be a number of words >= 0, got {self.min_words!r}.", "use min_words = 3000000.")
        check(self.max_epochs >= self.epochs, f"max_epochs ({self.max_epochs}) must be >= epochs ({self.epochs}).",
               f"use max_epochs = {max(30, self.epochs)}.")
        check(self.sg in (0, 1), f"sg must be 1 (skip-gram) or 0 (CBOW), got {self.sg!r}.", "use sg = 1.")
        check(isinstance(self.sample, (int, float)) and not isinstance(self.sample, bool) and 0 <= self.sample < 1,
               f"sample must be a fraction in [0, 1) (0 = no down-sampling of frequent words), got {self.sample!r}.",
               "use sample = 0.001.")
        object.__setattr__(self, "sample", float(self.sample))
        check(is_int(self.workers) and self.workers >= 0,
               f"workers must be >= 0 (0 = one per CPU core), got {self.workers!r}.", "pass --workers 1, say.")
        check(is_int(self.seed), f"seed must be an integer, got {self.seed!r}.", "pass --seed 13.")
        check(self.max_vocab is None or (is_int(self.max_vocab) and self.max_vocab >= 1),
               f"max_vocab must be a positive number of words (or unset for no limit), got {self.max_vocab!r}.",
               "pass --max-vocab 50000, say, or leave it out.")
        check(self.corpus in CORPUS_MODES, f"corpus must be one of {', '.join(CORPUS_MODES)}, got {self.corpus!r}.",
               "use corpus = \"auto\".")
        check("test" not in splits,
               "splits must not include 'test': test text must never leak into training (Word2Vec would learn "
               "from the questions the models are scored on).",
               "use --splits train,validation (the default) or --splits train.")
        bad = [s for s in splits if s not in SPLITS]
        check(not bad and len(splits) > 0,
               f"splits must be some of {', '.join(WORD2VEC_SPLITS)}, got {', '.join(splits) or 'none'}.",
               "pass --splits train,validation.")


@dataclass(frozen=True)
class ServeSettings(Settings):
    """Options of ``multilabeltext serve``.

    ``max_batch`` bounds both the texts of one request and the texts the micro-batcher joins into one
    model call; ``max_wait_ms`` is how long the batcher waits for more requests once one has arrived;
    ``max_pending`` is how many texts may wait before new requests get 503.
    """

    section: ClassVar[str] = "serve"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_batch: int = 1000
    max_text_bytes: int = 20_000
    max_wait_ms: float = 0.0
    max_pending: int = 20_000
    log_level: str = "info"
    access_log: bool = False
    request_timeout: float = 10.0  # seconds for a request to arrive (idle and slow connections are closed)
    keep_alive_timeout: float = 5.0  # seconds an idle keep-alive connection stays open between requests
    max_header_bytes: int = 65_536  # the whole request head (request line and headers)
    max_headers: int = 100  # header lines per request

    def __post_init__(self):
        check(isinstance(self.port, int) and 1 <= self.port <= 65535,
              f"port must be between 1 and 65535, got {self.port!r}.", "pass e.g. --port 8000.")
        check(isinstance(self.workers, int) and 1 <= self.workers <= 64,
              f"workers must be between 1 and 64, got {self.workers!r}.",
              "pass --workers 1 (one process; it batches requests), or up to one per core.")
        check(isinstance(self.max_batch, int) and self.max_batch >= 1,
              f"max_batch must be >= 1, got {self.max_batch!r}.", "pass e.g. --max-batch 1000.")
        check(isinstance(self.max_text_bytes, int) and self.max_text_bytes >= 1,
              f"max_text_bytes must be >= 1, got {self.max_text_bytes!r}.", "pass e.g. --max-text-bytes 20000.")
        check(0 <= self.max_wait_ms <= 1000, f"max_wait_ms must be between 0 and 1000, got {self.max_wait_ms!r}.",
              "pass e.g. --max-wait-ms 2.")
        check(isinstance(self.max_pending, int) and self.max_pending >= self.max_batch,
              f"max_pending must be >= max_batch ({self.max_batch}), got {self.max_pending!r}.",
              f"pass e.g. --max-pending {max(20_000, self.max_batch if isinstance(self.max_batch, int) else 0)}.")
        check(self.log_level in LOG_LEVELS, f"log_level must be one of {', '.join(LOG_LEVELS)}, got "
              f"{self.log_level!r}.", "pass e.g. --log-level info.")
        check(bool(self.host), "host must not be empty.", "pass e.g. --host 127.0.0.1.")
        for name, low, high in (("request_timeout", 0.1, 3600), ("keep_alive_timeout", 0.1, 3600)):
            value = getattr(self, name)
            check(isinstance(value, (int, float)) and low <= value <= high,
                  f"{name} must be between {low} and {high} seconds, got {value!r}.",
                  f"pass e.g. --{name.replace('_', '-')} {getattr(ServeSettings, name)}.")
        check(isinstance(self.max_header_bytes, int) and 1024 <= self.max_header_bytes <= 16 << 20,
              f"max_header_bytes must be between 1024 and 16 MB, got {self.max_header_bytes!r}.",
              "pass e.g. --max-header-bytes 65536.")
        check(isinstance(self.max_headers, int) and 1 <= self.max_headers <= 10_000,
              f"max_headers must be between 1 and 10000, got {self.max_headers!r}.", "pass e.g. --max-headers 100.")

    @property
    def max_body_bytes(self) -> int:
        """The largest request body read: a full batch of the longest texts, JSON escapes allowed for."""
        return 2 * self.max_batch * (self.max_text_bytes + 16) + 65_536

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class DashboardSettings(Settings):
    """Options of ``multilabeltext dashboard``: where the Dash app listens.

    Example:
        >>> DashboardSettings().url
        'http://127.0.0.1:8050'
    """

    section: ClassVar[str] = "dashboard"
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False

    def __post_init__(self):
        check(isinstance(self.port, int) and 1 <= self.port <= 65535,
              f"port must be between 1 and 65535, got {self.port!r}.", "pass e.g. --port 8050.")
        check(bool(self.host), "host must not be empty.", "pass e.g. --host 127.0.0.1.")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
