"""distributedtask: secure files (main origin). Their content is never returned."""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import not_found
from ..http.routing import AreaRoutes
from ..state.model import SecureFile
from .core import find_project
from .views import identity_ref

HOST = "main"
routes = AreaRoutes()

SECURE_FILES = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"


def secure_file_view(ctx: RequestContext, secure_file: SecureFile) -> dict:
    creator = identity_ref(ctx.urls, ctx.world.subjects[secure_file.created_by])
    return {
        "id": secure_file.id,
        "name": secure_file.name,
        "properties": dict(secure_file.properties),
        "createdBy": creator,
        "createdOn": iso(secure_file.created),
        "modifiedBy": creator,
        "modifiedOn": iso(secure_file.created),
    }


def _find(ctx: RequestContext, project_id: str) -> SecureFile:
    file_id = (ctx.value("secureFileId") or "").lower()
    found = ctx.world.secure_files.get(file_id)
    if found is None or found.project_id != project_id:
        raise not_found(f"Secure file with id {file_id} not found.", "SecureFileNotFoundException")
    return found


@routes.get(SECURE_FILES)
def get_secure_files(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    if ctx.value("secureFileId") is not None:
        return secure_file_view(ctx, _find(ctx, project.id))
    name_pattern = (ctx.arg("namePattern") or "").lower().replace("*", "")
    files = sorted((f for f in ctx.world.secure_files.values()
                    if f.project_id == project.id and name_pattern in f.name.lower()), key=lambda f: f.name.lower())
    return collection([secure_file_view(ctx, f) for f in files])


@routes.delete(SECURE_FILES)
def delete_secure_file(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    del ctx.world.secure_files[_find(ctx, project.id).id]
    return None
