"""The settings mixin every stage's dataclass shares: dict and TOML round-trips, validation helper.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Demo(Settings):
    ...     size: int = 3
    >>> Demo.from_dict({"size": 4}).to_dict()
    {'size': 4}
    >>> Demo.from_dict({"colour": "red"})
    Traceback (most recent call last):
    ...
    multilabeltext.errors.ConfigError: unknown option(s) colour in settings. Fix: use only: size.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, get_type_hints

from .errors import ConfigError


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
        stages = {"prepare", "train", "word2vec", "serve", "evaluate", "report", "dashboard", cls.section} - {""}
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
