"""Azure ML answers checked against azure-ai-ml's own generated REST models (``arm_ml_service.models``).

azure-ai-ml 1.35 generates its ARM models from TypeSpec (``rest_field``), no longer msrest's ``_attribute_map``
/ ``_validation``: a field is known by its rest name, required when its annotation is not Optional, typed by its
annotation; a polymorphic base (``__mapping__``) picks its subclass by the discriminator's value. An answer
passes when every field is known, every required field is there and not null, and every value has its type.
"""

from __future__ import annotations

import datetime
import enum
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from azure.ai.ml._restclient.arm_ml_service import models as rest_models
from azure.ai.ml._restclient.arm_ml_service._utils.model_base import Model as GeneratedModel

_WS = r"/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.machinelearningservices/workspaces/[^/]+"
#: (method, path pattern) -> (model class name, is a list page)
CONTRACTS: tuple[tuple[str, re.Pattern, str, bool], ...] = tuple(
    (method, re.compile(f"^{_WS}{tail}/?$", re.IGNORECASE), name, is_list) for method, tail, name, is_list in (
        ("GET", "", "Workspace", False),
        ("GET", "/models", "ModelContainer", True),
        ("GET", "/models/[^/]+", "ModelContainer", False),
        ("GET", "/models/[^/]+/versions", "ModelVersion", True),
        ("GET", "/models/[^/]+/versions/[^/]+", "ModelVersion", False),
        ("GET", "/datastores", "Datastore", True),
        ("GET", "/datastores/[^/]+", "Datastore", False),
        ("POST", "/datastores/[^/]+/listSecrets", "DatastoreSecrets", False),
    ))


@dataclass
class ArmExchange:
    method: str
    url: str
    status: int
    body: typing.Any

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def contract_for(exchange: ArmExchange) -> tuple[type, bool] | None:
    """The model an answer must match: ErrorResponse for an error, else the one of its method and path."""
    if exchange.status >= 400:
        return rest_models.ErrorResponse, False
    for method, pattern, name, is_list in CONTRACTS:
        if method == exchange.method and pattern.match(exchange.path):
            return getattr(rest_models, name), is_list
    return None


def violations(exchange: ArmExchange) -> list[str]:
    """Every way the answer differs from its model (empty when it matches)."""
    where = f"{exchange.method} {exchange.path} ({exchange.status})"
    contract = contract_for(exchange)
    if contract is None:
        return [f"{where}: no contract for this answer"]
    model, is_list = contract
    if not is_list:
        return [f"{where}: {p}" for p in check(exchange.body, model)]
    if not isinstance(exchange.body, dict):
        return [f"{where}: a list page must be an object"]
    problems = [f"{where}: unknown field '{k}' of the list page" for k in exchange.body if k not in ("value",
                                                                                                   "nextLink")]
    if not isinstance(exchange.body.get("value"), list):
        return [*problems, f"{where}: the list page has no 'value' list"]
    if not isinstance(exchange.body.get("nextLink", ""), str | None):
        problems.append(f"{where}: nextLink must be a string")
    for index, item in enumerate(exchange.body["value"]):
        problems.extend(f"{where}: value[{index}]{p}" for p in check(item, model))
    return problems


@dataclass(frozen=True)
class Field:
    annotation: typing.Any
    required: bool
    readable: bool  # its visibility includes "read": it may appear in an answer


@cache
def fields(model: type) -> dict[str, Field]:
    """rest name -> Field for every field of a generated model, its bases' included."""
    hints = typing.get_type_hints(model, localns={"_models": rest_models})
    found = {}
    for klass in reversed(model.__mro__):
        for attr, value in vars(klass).items():
            if attr.startswith("_") or not hasattr(value, "_rest_name_input"):
                continue
            annotation = hints.get(attr, typing.Any)
            readable = value._visibility is None or "read" in value._visibility
            found[value._rest_name_input or attr] = Field(annotation, not _optional(annotation), readable)
    return found


def _optional(annotation: typing.Any) -> bool:
    return _is_union(annotation) and type(None) in typing.get_args(annotation)


def _is_union(annotation: typing.Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _discriminated(model: type, body: dict) -> tuple[type, list[str]]:
    """The subclass a polymorphic base's discriminator names (a base owns its ``__mapping__``)."""
    if "__mapping__" not in vars(model):
        return model, []
    key = next((v._rest_name_input for v in vars(model).values() if getattr(v, "_is_discriminator", False)), None)
    if key is None:
        return model, []
    value = body.get(key)
    chosen = model.__mapping__.get(value)
    if chosen is None:
        return model, [f".{key}: '{value}' is none of {sorted(model.__mapping__)}"]
    return chosen, []


def check(value: typing.Any, annotation: typing.Any, where: str = "") -> list[str]:
    """What is wrong with ``value`` as a ``annotation`` (a generated model, or a typing form)."""
    if annotation is typing.Any:
        return []
    if value is None:
        return [] if _optional(annotation) else [f"{where}: null where a value is required"]
    if _is_union(annotation):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        results = [check(value, option, where) for option in options]
        return [] if any(not r for r in results) else results[0]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        allowed = [a.value if isinstance(a, enum.Enum) else a for a in typing.get_args(annotation)]
        return [] if value in allowed else [f"{where}: '{value}' is not {allowed}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        (item,) = typing.get_args(annotation)
        return [p for i, v in enumerate(value) for p in check(v, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        _, item = typing.get_args(annotation)
        return [p for k, v in value.items() for p in check(v, item, f"{where}.{k}")]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [] if isinstance(value, str) else [f"{where}: expected a string"]
    if isinstance(annotation, type) and issubclass(annotation, GeneratedModel):
        return _check_model(value, annotation, where)
    return _check_scalar(value, annotation, where)


def _check_model(value: typing.Any, model: type, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected an object ({model.__name__})"]
    model, problems = _discriminated(model, value)
    known = fields(model)
    problems = [f"{where}{p}" for p in problems]
    problems += [f"{where}: unknown field '{k}' ({model.__name__})" for k in value if k not in known]
    for name, field in known.items():
        if name not in value:
            if field.required and field.readable:
                problems.append(f"{where}: required field '{name}' is missing ({model.__name__})")
        elif not field.readable:
            problems.append(f"{where}: '{name}' is never in an answer (not readable) ({model.__name__})")
        else:
            problems.extend(check(value[name], field.annotation, f"{where}.{name}"))
    return problems


def _check_scalar(value: typing.Any, annotation: typing.Any, where: str) -> list[str]:
    if annotation is bool:
        ok = isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif annotation is str:
        ok = isinstance(value, str)
    elif annotation is datetime.datetime:
        ok = isinstance(value, str) and _is_datetime(value)
    else:
        return [f"{where}: no check for {annotation!r}"]
    return [] if ok else [f"{where}: {value!r} is not a {getattr(annotation, '__name__', annotation)}"]


def _is_datetime(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
