"""The Azure ML resources the sandbox's ARM serves (reads only), matched case-insensitively as ARM does.

    GET  .../workspaces/{ws}                                  workspace
    GET  .../workspaces/{ws}/models                           model containers ($skip, count, listViewType)
    GET  .../workspaces/{ws}/models/{name}                    model container
    GET  .../workspaces/{ws}/models/{name}/versions           versions ($orderBy, $top, $skip, offset, version,
                                                              tags, description, listViewType)
    GET  .../workspaces/{ws}/models/{name}/versions/{v}       version
    GET  .../workspaces/{ws}/datastores                       datastores (isDefault, names, count, $skip)
    GET  .../workspaces/{ws}/datastores/{name}                datastore
    POST .../workspaces/{ws}/datastores/{name}/listSecrets    the datastore's account key

``...`` is ``/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from multidict import CIMultiDict

from . import views
from .errors import ArmError, bad_request, not_found
from .world import PROVIDER, AzureMLWorld, RegisteredVersion

DEFAULT_PAGE_SIZE = 100  # an assumption: Azure ML's page size is not documented
ORDERS = {"createdtime desc": True, "createdtime asc": False}


@dataclass
class ArmContext:
    world: AzureMLWorld
    now: datetime
    values: dict[str, str]
    query: CIMultiDict
    path: str
    arm_origin: str  # https://127.0.0.1:PORT
    blob_endpoint_suffix: str

    def page_size(self, requested: str | None) -> int:
        size = _int(requested, "count") or DEFAULT_PAGE_SIZE
        return min(size, self.world.page_size) if self.world.page_size else size


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    action: str  # the RBAC action ARM checks
    handler: Callable[[ArmContext], dict]


_ROUTES: list[Route] = []
_WORKSPACE = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/" + \
             re.escape(PROVIDER) + r"/workspaces/(?P<ws>[^/]+)"


def route(method: str, tail: str, action: str):
    def register(handler: Callable[[ArmContext], dict]):
        _ROUTES.append(Route(method, re.compile(f"^{_WORKSPACE}{tail}/?$", re.IGNORECASE),
                             f"{PROVIDER}/workspaces{action}", handler))
        return handler
    return register


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in _ROUTES:
        found = candidate.pattern.match(path)
        if found and candidate.method == method:
            return candidate, found.groupdict()
    return None


def path_is_served(path: str) -> bool:
    return any(candidate.pattern.match(path) for candidate in _ROUTES)


# ---- paging -----------------------------------------------------------------------------------
def _int(raw: str | None, name: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request("InvalidQueryParameterValue", f"The value '{raw}' of query parameter '{name}' is not "
                          "a valid integer.") from None


def _decode_skip(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, number = text.partition(":")
    if prefix != "skip" or not number.isdigit():
        raise bad_request("InvalidContinuationToken", f"The continuation token '{token}' is not valid.")
    return int(number)


def paged(ctx: ArmContext, items: list[dict]) -> dict:
    """``{"value", "nextLink"}``: a page from ``$skip``, and the link to the next page when there is one."""
    start = _decode_skip(ctx.query.get("$skip"))
    size = ctx.page_size(ctx.query.get("count"))
    answer: dict = {"value": items[start:start + size]}
    if start + size < len(items):
        token = base64.urlsafe_b64encode(f"skip:{start + size}".encode()).decode().rstrip("=")
        params = [(k, v) for k, v in ctx.query.items() if k.lower() != "$skip"] + [("$skip", token)]
        answer["nextLink"] = f"{ctx.arm_origin}{ctx.path}?" + "&".join(
            f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in params)
    return answer


# ---- workspace ----------------------------------------------------------------------------------
@route("GET", "", "/read")
def get_workspace(ctx: ArmContext) -> dict:
    return views.workspace(ctx.world, ctx.arm_origin)


# ---- models -------------------------------------------------------------------------------------
def _view_filter(ctx: ArmContext) -> Callable[[bool], bool]:
    view = (ctx.query.get("listViewType") or "ActiveOnly").lower()
    if view not in ("activeonly", "archivedonly", "all"):
        raise bad_request("InvalidQueryParameterValue", f"'{view}' is not a valid listViewType: ActiveOnly, "
                          "ArchivedOnly or All.")
    return {"activeonly": lambda archived: not archived, "archivedonly": lambda archived: archived,
            "all": lambda archived: True}[view]


def _versions(ctx: ArmContext) -> list[RegisteredVersion]:
    name = ctx.values["name"]
    versions = ctx.world.model(name)
    if versions is None:
        raise not_found(f"{PROVIDER}/workspaces/{ctx.world.workspace_name}/models", name, ctx.world.resource_group)
    return versions


@route("GET", "/models", "/models/read")
def list_models(ctx: ArmContext) -> dict:
    keep = _view_filter(ctx)
    containers = [views.model_container(ctx.world, name, versions)
                  for name, versions in sorted(ctx.world.models.items(), key=lambda item: item[0].lower())]
    return paged(ctx, [c for c in containers if keep(c["properties"]["isArchived"])])


@route("GET", "/models/(?P<name>[^/]+)", "/models/read")
def get_model(ctx: ArmContext) -> dict:
    return views.model_container(ctx.world, ctx.values["name"], _versions(ctx))


def _tag_filter(raw: str | None) -> Callable[[dict[str, str]], bool]:
    """``tag1,tag2=value2``: every tag named must be there (with that value when one is given)."""
    wanted = [part.partition("=") for part in (raw or "").split(",") if part.strip()]
    return lambda tags: all(k.strip() in tags and (not sep or tags[k.strip()] == v) for k, sep, v in wanted)


@route("GET", "/models/(?P<name>[^/]+)/versions", "/models/versions/read")
def list_versions(ctx: ArmContext) -> dict:
    keep, tagged = _view_filter(ctx), _tag_filter(ctx.query.get("tags"))
    versions = [v for v in _versions(ctx) if keep(v.is_archived) and tagged(v.tags)]
    if ctx.query.get("version"):
        versions = [v for v in versions if str(v.version) == ctx.query["version"]]
    if ctx.query.get("description"):
        versions = [v for v in versions if ctx.query["description"].lower() in v.description.lower()]
    order = (ctx.query.get("$orderBy") or "createdtime desc").strip().lower()
    if order not in ORDERS:
        raise bad_request("InvalidQueryParameterValue", f"'{order}' is not a supported $orderBy: "
                          "'createdtime desc' or 'createdtime asc'.")
    versions.sort(key=lambda v: (v.created, v.version), reverse=ORDERS[order])
    offset = _int(ctx.query.get("offset"), "offset") or 0
    top = _int(ctx.query.get("$top"), "$top")
    chosen = versions[offset:offset + top] if top is not None else versions[offset:]
    return paged(ctx, [views.model_version(ctx.world, v) for v in chosen])


@route("GET", "/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", "/models/versions/read")
def get_version(ctx: ArmContext) -> dict:
    versions = _versions(ctx)
    found = next((v for v in versions if str(v.version) == ctx.values["version"]), None)
    if found is None:
        raise not_found(f"{PROVIDER}/workspaces/{ctx.world.workspace_name}/models/{ctx.values['name']}/versions",
                        ctx.values["version"], ctx.world.resource_group)
    return views.model_version(ctx.world, found)


# ---- datastores ---------------------------------------------------------------------------------
def _datastore(ctx: ArmContext) -> None:
    if ctx.values["name"] != ctx.world.datastore.name:
        raise not_found(f"{PROVIDER}/workspaces/{ctx.world.workspace_name}/datastores", ctx.values["name"],
                        ctx.world.resource_group)


@route("GET", "/datastores", "/datastores/read")
def list_datastores(ctx: ArmContext) -> dict:
    stores = [views.datastore(ctx.world, ctx.blob_endpoint_suffix)]
    if (ctx.query.get("isDefault") or "").lower() == "false":
        stores = []
    names = ctx.query.getall("names", [])
    if names:
        stores = [s for s in stores if s["name"] in names]
    return paged(ctx, stores)


@route("GET", "/datastores/(?P<name>[^/]+)", "/datastores/read")
def get_datastore(ctx: ArmContext) -> dict:
    _datastore(ctx)
    return views.datastore(ctx.world, ctx.blob_endpoint_suffix)


@route("POST", "/datastores/(?P<name>[^/]+)/listSecrets", "/datastores/listSecrets/action")
def list_datastore_secrets(ctx: ArmContext) -> dict:
    _datastore(ctx)
    return views.datastore_secrets(ctx.world)


def method_not_served(method: str) -> ArmError:
    return ArmError(405, "MethodNotAllowed", f"The sandbox's Azure ML serves reads (and listSecrets) only: {method} "
                    "is not served here.")
