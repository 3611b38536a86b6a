"""Detector thresholds from a file: TOML in, :class:`~analysis.detectors.config.DetectorConfig` out.

:func:`load_config` reads a TOML file with one table per detector (``[overfitting]``,
``[plateau]``...) plus the top-level keys ``min_points`` and ``max_points``; anything
not given keeps its default. ``resources/detectors.toml`` lists every key with its
default. Errors are one line naming the table and key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import fields

from analysis.detectors.config import DetectorConfig


def _section_types() -> dict[str, type]:
    """The detector tables of the file: every :class:`DetectorConfig` field that is itself a
    dataclass (``overfitting`` -> :class:`~analysis.detectors.config.OverfittingConfig`...)."""
    defaults = DetectorConfig()
    tables = {f.name: getattr(defaults, f.name) for f in fields(DetectorConfig)}
    return {name: type(value) for name, value in tables.items() if dataclasses.is_dataclass(value)}


def _coerce(section: str, key: str, value, default):
    where = f"[{section}] {key}" if section else key
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be an integer, got {value!r}")
        # counts (epochs, swings, cuts) need one; a trend or a rule over points needs three
        low = 3 if key == "min_points" else 1 if default >= 1 and key != "max_start" else 0
        if value < low:
            raise ValueError(f"{where} must be an integer >= {low}, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where} must be a number, got {value!r}")
        if value != value or value < 0:
            raise ValueError(f"{where} must be a number >= 0, got {value!r}")
        return float(value)
    # Optional fields (default None): n_classes (int), majority_rate (float)
    if key == "n_classes":
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise ValueError(f"{where} must be an integer >= 2, got {value!r}")
        return value
    if key == "majority_rate":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise ValueError(f"{where} must be a number in (0, 1], got {value!r}")
        return float(value)
    raise ValueError(f"{where}: unsupported value {value!r}")


def config_from_dict(data: dict) -> DetectorConfig:
    """Build a :class:`DetectorConfig` from a nested dict (a parsed TOML document).

    Parameters
    ----------
    data : dict
        Top-level keys of :class:`DetectorConfig` and one table per detector.

    Raises
    ------
    ValueError
        Unknown table or key, or a value of the wrong type; the message is one
        line naming the table and key.
    """
    sections = _section_types()
    base = DetectorConfig()
    top: dict = {}
    for key, value in data.items():
        if key in sections:
            if not isinstance(value, dict):
                raise ValueError(f"[{key}] must be a table, got {value!r}")
            cls = sections[key]
            defaults = getattr(base, key)
            known = {f.name for f in fields(cls)}
            kw = {}
            for k, v in value.items():
                if k not in known:
                    raise ValueError(
                        f"unknown key {k!r} in [{key}] (known: {', '.join(sorted(known))})"
                    )
                kw[k] = _coerce(key, k, v, getattr(defaults, k))
            top[key] = dataclasses.replace(defaults, **kw)
        elif key in ("min_points", "max_points"):
            top[key] = _coerce("", key, value, getattr(base, key))
        else:
            known = sorted(["min_points", "max_points", *sections])
            raise ValueError(f"unknown key or table {key!r} (known: {', '.join(known)})")
    cfg = dataclasses.replace(base, **top)
    if cfg.max_points < 10:
        raise ValueError(f"max_points must be >= 10, got {cfg.max_points}")
    return cfg


def load_config(path: str | os.PathLike) -> DetectorConfig:
    """Read detector thresholds from a TOML file.

    Parameters
    ----------
    path : str or path-like
        TOML file; see ``resources/detectors.toml`` for every key and default.

    Returns
    -------
    DetectorConfig

    Raises
    ------
    OSError
        The file cannot be opened.
    ValueError
        Invalid TOML, an unknown table/key or a wrong value type; one line.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError("invalid TOML: " + " ".join(str(exc).split())) from None
    return config_from_dict(data)


def config_to_dict(cfg: DetectorConfig) -> dict:
    """The config as a nested dict (for the GUI's settings and ``--json`` echoes)."""
    return dataclasses.asdict(cfg)
