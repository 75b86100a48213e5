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

import dataclasses
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, get_type_hints

from .errors import ConfigError

FORMATS = ("auto", "kaggle", "posts-xml", "posts-csv", "fasttext", "table")
FIELDS = ("title", "body", "answers")
SPLITS = ("train", "validation", "test")
SPLIT_METHODS = ("iterative", "column", "none")


class Settings:
    """Mixin: dict/TOML round-trips for (possibly nested) settings dataclasses."""

    section: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (nested dataclasses become dicts; ``None`` values are kept)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "settings"):
        """Build from a dict, refusing unknown keys with the list of known ones."""
        hints = get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)} in {source}.",
                              fix=f"use only: {', '.join(known)}.")
        kwargs = {}
        for name, value in data.items():
            sub = hints[name]
            if isinstance(sub, type) and issubclass(sub, Settings) and isinstance(value, dict):
                value = sub.from_dict(value, source=f"{source} [{name}]")
            kwargs[name] = _checked_number(name, value, sub, known[name].default, source)
        return cls(**kwargs)

    def to_toml(self) -> str:
        """TOML text (``None`` values are left out, as TOML has no null)."""
        import tomli_w

        def drop_none(d: dict) -> dict:
            return {k: drop_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}

        return tomli_w.dumps(drop_none(self.to_dict()))

    @classmethod
    def from_toml(cls, path: str | Path):
        """Read settings from a TOML file; a top-level ``[section]`` table named like the stage is accepted."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("config file not found.", path=path, fix="check the --config path.") from None
        except IsADirectoryError:
            raise ConfigError("the config path is a directory, not a TOML file.", path=path,
                              fix="pass a .toml file, e.g. a copy of multilabeltext/defaults/*.toml.") from None
        except UnicodeDecodeError:
            raise ConfigError("the config file is not UTF-8 text (a binary file?).", path=path,
                              fix="pass a TOML text file, e.g. a copy of multilabeltext/defaults/*.toml.") from None
        except OSError as exc:
            raise ConfigError(f"cannot read the config file ({exc.strerror}).", path=path,
                              fix="check the --config path and its permissions.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}.", path=path,
                              fix="compare with multilabeltext/defaults/*.toml.") from None
        stages = {"prepare", "train", "word2vec", "serve", "evaluate", "report", "dashboard"}
        tables = sorted(k for k in data if k in stages and isinstance(data[k], dict))
        if cls.section and cls.section in tables:  # one file may hold every stage's table: take ours
            data = data[cls.section]
        elif tables and set(tables) == set(data):
            raise ConfigError(f"the config file has no [{cls.section}] table (it has "
                              f"{', '.join(f'[{t}]' for t in tables)}), so it sets nothing for this command.",
                              path=path, fix=f"add a [{cls.section}] table, or pass the file to the command its "
                                             "tables are for.")
        if not data:
            raise ConfigError("the config file sets no option (is everything commented out?).", path=path,
                              fix="uncomment the options to change, or leave out --config.")
        return cls.from_dict(data, source=str(path))

    def replace(self, **changes):
        """A copy with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


def _checked_number(name: str, value, hint, default, source: str):
    """``value`` for a field annotated ``int``/``float`` (optionally ``| None``): a finite number, whole for ``int``
    (``1e3`` becomes 1000); text, booleans, ``nan``, ``inf`` and ``1e400`` are refused with the field's default."""
    args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    numeric = {a for a in args if a in (int, float)}
    if not numeric or value is None or set(args) - numeric - {type(None)}:
        return value
    example = f" (default {default!r})" if default is not dataclasses.MISSING and default is not None else ""
    fix = f"pass a number, e.g. {name}={default!r}." if example else "pass a number."
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number{example}, got {value!r} in {source}.", fix=fix)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number{example}, got {value!r} in {source}.", fix=fix)
    if numeric == {int} and isinstance(value, float):
        if not value.is_integer():
            raise ConfigError(f"{name} must be a whole number{example}, got {value!r} in {source}.", fix=fix)
        return int(value)
    return value


def check(ok: bool, what: str, fix: str) -> None:
    if not ok:
        raise ConfigError(what, fix=fix)


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


THRESHOLD_METHODS = ("fixed", "global", "per-tag")


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
    threshold: str = "global"  # per-tag thresholds overfit small validation splits (bench: -0.026 micro-F1)
    fixed_threshold: float = 0.25
    min_tags: int = 1
    vectors: str | None = None
    auxiliary: str | None = None  # a prepared dataset directory of related texts to train on too (linear, mlp)
    auxiliary_tag: str | None = None  # keep only its rows carrying this tag (e.g. "python")
    auxiliary_weight: float = 0.3  # how much one auxiliary row counts against one training row
    seed: int = 13

    def __post_init__(self):
        check(isinstance(self.params, dict), f"params must be a table of model settings, got {self.params!r}.",
              "write them under [train.params] in the TOML file, or pass --param key=value.")
        check(self.threshold in THRESHOLD_METHODS,
              f"threshold must be one of {', '.join(THRESHOLD_METHODS)}, got {self.threshold!r}.",
              "use --threshold global (one tuned on validation), per-tag, or fixed.")
        check(isinstance(self.fixed_threshold, (int, float)) and 0 < self.fixed_threshold < 1,
              f"fixed_threshold must be between 0 and 1, got {self.fixed_threshold!r}.",
              "use --fixed-threshold 0.25 (the 2018 tutorial's value).")
        check(isinstance(self.min_tags, int) and self.min_tags >= 0,
              f"min_tags must be >= 0, got {self.min_tags!r}.", "use --min-tags 1 (every question has a tag).")
        check(isinstance(self.seed, int), f"seed must be an integer, got {self.seed!r}.", "pass --seed 13.")
        check(isinstance(self.auxiliary_weight, (int, float)) and 0 < self.auxiliary_weight <= 1,
              f"auxiliary_weight must be in (0, 1], got {self.auxiliary_weight!r}.", "use --auxiliary-weight 0.3.")
