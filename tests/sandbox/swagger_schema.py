"""Turn the official swagger 2.0 definitions (reference/azure-devops-rest-7.1) into JSON Schema.

Every object schema is closed (``additionalProperties: false``: a field the spec does not define is
an error), ``allOf`` inheritance is flattened into one property set, and a caller names the fields
it reads, which become required (and non-null). Two documented departures from the swagger text,
both where the swagger does not describe the service's real JSON:

* ``ReferenceLinks`` is declared as ``{"links": {...}}`` but the service sends ``_links`` flat:
  ``{"self": {"href": ...}, "web": {"href": ...}}``.
* ``Approval`` (pipelines approvals) gets the ``pipeline`` the service sends (``{id, name, owner: {id: run id,
  name, _links}}``, in the specs' own examples but not in the definition): without it no client can tell which
  run an approval holds.
* a property typed ``string`` with ``format: T`` is .NET's generic ``T`` (any JSON value), and
  ``JToken``/``JObject`` (declared by its .NET members: first, last, hasValues...) is any JSON value too.

Optional properties may be null, as the service sends nulls for unset values.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

SPECS = Path(__file__).resolve().parents[2] / "reference" / "azure-devops-rest-7.1"

REFERENCE_LINKS = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {"href": {"type": "string"}},
        "required": ["href"],
        "additionalProperties": False,
    },
}


def _closed(**properties: dict) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False}


# Fields the service sends that its swagger definitions leave out (see the module docstring).
UNDOCUMENTED = {
    ("approvalsAndChecks/pipelinesapproval.json", "Approval"): {"pipeline": _closed(
        id={"type": "string"}, name={"type": "string"},
        owner=_closed(id={"type": "integer"}, name={"type": "string"}, _links=REFERENCE_LINKS))},
}


@cache
def load_spec(relative: str) -> dict:
    return json.loads((SPECS / relative).read_text(encoding="utf-8-sig"))


def _flatten(definitions: dict, name: str) -> dict:
    """All properties of ``name``, its allOf ancestors' first."""
    definition = definitions[name]
    properties: dict = {}
    for part in definition.get("allOf", []):
        if "$ref" in part:
            properties.update(_flatten(definitions, part["$ref"].split("/")[-1]))
        properties.update(part.get("properties", {}))
    properties.update(definition.get("properties", {}))
    return properties


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _convert(node: dict) -> dict:
    if "$ref" in node:
        return {"$ref": "#/$defs/" + node["$ref"].split("/")[-1]}
    kind = node.get("type")
    if kind == "string" and node.get("format") == "T":
        return {}
    if kind == "array":
        return {"type": "array", "items": _convert(node.get("items", {}))}
    if kind == "object":
        if "additionalProperties" in node:
            extra = node["additionalProperties"]
            return {"type": "object", "additionalProperties": _convert(extra) if isinstance(extra, dict) else extra}
        if node.get("properties"):
            return _object({k: v for k, v in node["properties"].items()}, required=())
        return {}
    schema: dict = {}
    if kind:
        schema["type"] = "number" if kind == "number" else kind
    if "enum" in node:
        schema["enum"] = list(node["enum"])
    return schema


def _object(properties: dict, required) -> dict:
    converted = {}
    for name, node in properties.items():
        schema = _convert(node)
        converted[name] = schema if name in required or not schema else _nullable(schema)
    return {"type": "object", "properties": converted, "required": sorted(required),
            "additionalProperties": False}


def definition_schema(spec: str, definition: str, required: dict[str, list[str]] | None = None) -> dict:
    """A JSON Schema for ``definition`` of ``spec``, with ``required`` fields per definition name."""
    definitions = load_spec(spec)["definitions"]
    required = required or {}
    defs = {}
    for name in definitions:
        if name == "ReferenceLinks":
            defs[name] = REFERENCE_LINKS
            continue
        if name in ("JToken", "JObject"):
            defs[name] = {}
            continue
        node = definitions[name]
        if node.get("type", "object") == "object" and ("properties" in node or "allOf" in node):
            defs[name] = _object(_flatten(definitions, name), required.get(name, ()))
        else:
            defs[name] = _convert({k: v for k, v in node.items() if k != "description"})
    for (spec_name, name), extra in UNDOCUMENTED.items():
        if spec_name == spec:
            defs[name]["properties"].update({key: _nullable(schema) for key, schema in extra.items()})
    missing = set(required) - set(definitions)
    if missing:
        raise KeyError(f"{spec} defines no {sorted(missing)}")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/$defs/{definition}",
            "$defs": defs}


def validator(spec: str, definition: str, required: dict[str, list[str]] | None = None) -> Draft202012Validator:
    schema = definition_schema(spec, definition, required)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
