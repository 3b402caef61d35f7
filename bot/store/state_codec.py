"""JSON codec for botbuilder state objects, with an allow-list instead of pickle.

botbuilder keeps Python objects in conversation/user state: ``StoreItem``s, the dialog stack
(``DialogState``, ``DialogInstance``), prompt options holding ``Activity`` models, enums, datetimes.
They are encoded as plain JSON; a non-JSON value becomes a small tagged object
``{"$type": ..., ...}``. Decoding only ever rebuilds classes that are allowed: any class defined in
the ``botbuilder`` packages, plus classes the application registers with ``register_state_type``.
Nothing else is instantiated, so a tampered database cannot run code.

Encoded forms:

* JSON scalars, lists and str-keyed dicts: as they are (a dict that itself has a ``"$type"`` key is
  wrapped as ``{"$type": "dict", "value": {...}}``).
* tuple: ``{"$type": "tuple", "items": [...]}``; datetime: ``{"$type": "datetime", "value": iso}``.
* enum member: ``{"$type": "enum", "class": "module:Qual", "value": ...}``.
* msrest model (``botbuilder.schema`` types such as ``Activity``):
  ``{"$type": "model", "class": ..., "value": model.serialize()}``.
* other allowed object: ``{"$type": "object", "class": ..., "attrs": {...}}`` (rebuilt without
  calling ``__init__``).
"""

from __future__ import annotations

import enum
import importlib
from datetime import datetime
from typing import Any, TypeVar

from msrest.serialization import Model

TYPE_KEY = "$type"
_TRUSTED_PACKAGE = "botbuilder"

_registry: dict[str, type] = {}

_C = TypeVar("_C", bound=type)


class StateCodecError(TypeError):
    """A value cannot be stored in bot state, or stored data names a class that is not allowed."""


def register_state_type(cls: _C) -> _C:
    """Allow instances of an application class in bot state (usable as a class decorator)."""
    _registry[_class_path(cls)] = cls
    return cls


def encode(value: Any) -> Any:
    """Encode a state value into JSON-compatible data (see module docstring)."""
    if isinstance(value, enum.Enum):  # before scalars: str/int enums must stay enums
        _require_allowed(type(value))
        return {TYPE_KEY: "enum", "class": _class_path(type(value)), "value": encode(value.value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        encoded = {_key(k): encode(v) for k, v in value.items()}
        return {TYPE_KEY: "dict", "value": encoded} if TYPE_KEY in encoded else encoded
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {TYPE_KEY: "tuple", "items": [encode(item) for item in value]}
    if isinstance(value, datetime):
        return {TYPE_KEY: "datetime", "value": value.isoformat()}
    cls = type(value)
    _require_allowed(cls)
    if isinstance(value, Model):
        return {TYPE_KEY: "model", "class": _class_path(cls), "value": value.serialize(keep_readonly=True)}
    if hasattr(value, "__dict__"):
        return {TYPE_KEY: "object", "class": _class_path(cls), "attrs": encode_attrs(vars(value))}
    raise StateCodecError(f"cannot store a {_class_path(cls)} in bot state")


def encode_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Encode an object's attribute dict (keys are kept verbatim)."""
    return {_key(k): encode(v) for k, v in attrs.items()}


def decode(data: Any) -> Any:
    """Rebuild a value produced by ``encode``; always returns fresh objects."""
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    kind = data.get(TYPE_KEY)
    if kind is None:
        return {k: decode(v) for k, v in data.items()}
    if kind == "dict":
        return {k: decode(v) for k, v in data["value"].items()}
    if kind == "tuple":
        return tuple(decode(item) for item in data["items"])
    if kind == "datetime":
        return datetime.fromisoformat(data["value"])
    cls = _resolve(data.get("class", ""))
    if kind == "enum":
        return cls(decode(data["value"]))
    if kind == "model":
        return cls.deserialize(data["value"])
    if kind == "object":
        return new_object(cls, decode_attrs(data["attrs"]))
    raise StateCodecError(f"unknown encoded type {kind!r} in bot state")


def decode_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Decode an encoded attribute dict."""
    return {k: decode(v) for k, v in attrs.items()}


def new_object(cls: type, attrs: dict[str, Any]) -> Any:
    """An instance of ``cls`` with exactly ``attrs``, built without calling ``__init__``."""
    obj = cls.__new__(cls)
    obj.__dict__.update(attrs)
    return obj


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise StateCodecError(f"bot state dict keys must be strings, not {type(key).__name__}")
    return key


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _is_trusted_module(module: str) -> bool:
    return module == _TRUSTED_PACKAGE or module.startswith(_TRUSTED_PACKAGE + ".")


def _require_allowed(cls: type) -> None:
    if _class_path(cls) not in _registry and not _is_trusted_module(cls.__module__):
        raise StateCodecError(
            f"cannot store a {_class_path(cls)} in bot state: use JSON types, or allow the class with "
            "bot.store.state_codec.register_state_type"
        )


def _resolve(path: str) -> type:
    """The allowed class named by ``module:Qual`` (registered, or defined in botbuilder)."""
    if path in _registry:
        return _registry[path]
    module_name, _, qualname = path.partition(":")
    if not qualname or not _is_trusted_module(module_name):
        raise StateCodecError(f"bot state names class {path!r}, which is not allowed")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if not isinstance(target, type) or not _is_trusted_module(target.__module__):
        raise StateCodecError(f"bot state names class {path!r}, which is not allowed")
    return target
