"""Turning a TOML table into a typed settings dataclass, with one clear error per bad key.

Every module keeps its own settings as a frozen dataclass with defaults (the
detector's thresholds live beside the detector). config.py only gathers them. This
module knows nothing about any of them: it checks names and types field by field,
so a new setting needs no new validation code.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

from posturewatch.core.errors import UserError

T = TypeVar("T")


class ConfigError(UserError):
    """A config file or table with a bad key or value; the message names both."""


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (tuple, list):
        item = get_args(tp)[0]
        return (
            "a list of tables"
            if dataclasses.is_dataclass(item)
            else f"a list of {_type_name(item)}"
        )
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    if origin is typing.Literal:
        if value in get_args(tp):
            return value
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
        (item_tp, *_rest) = get_args(tp)
        items = [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ConfigError(f"{where}: expected a finite number, got {value!r}")
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if isinstance(value, dict):
            return from_table(tp, value, where)
    else:
        return value
    raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")


def check_between(name: str, value: float, low: float, high: float, unit: str = "") -> None:
    """The range check of a settings dataclass's __post_init__: ValueError
    "name: must be between low and high [unit]" unless low <= value <= high."""
    if not low <= value <= high:
        raise ValueError(
            f"{name}: must be between {low:g} and {high:g}" + (f" {unit}" if unit else "")
        )


def from_table(cls: type[T], table: dict[str, Any], where: str) -> T:
    """Build `cls` from `table`; unknown keys and wrong types raise ConfigError
    naming `where` and the key. Keys a class lists in its `RETIRED_KEYS` (settings
    that moved elsewhere) are passed over, so an old config file still loads. The
    dataclass's __post_init__ may raise ValueError for range checks; that becomes a
    ConfigError too."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    retired: frozenset[str] = getattr(cls, "RETIRED_KEYS", frozenset())
    table = {k: v for k, v in table.items() if k not in retired}
    unknown = sorted(set(table) - names)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(names))})"
        )
    values = {k: _coerce(v, hints[k], f"{where}.{k}") for k, v in table.items()}
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def to_table(obj: Any) -> dict[str, Any]:
    """The inverse, for `posturewatch config --show` and writing defaults."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v):
            out[f.name] = to_table(v)
        elif isinstance(v, tuple):
            out[f.name] = list(v)
        elif v is not None:
            out[f.name] = v
    return out
