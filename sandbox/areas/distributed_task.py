"""distributedtask: secure files (main origin): list, get, upload (``POST ...securefiles?name=`` with an
``application/octet-stream`` body), delete. Their content is stored and never returned."""

from __future__ import annotations

import uuid

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import bad_request, conflict, not_found
from ..http.routing import AreaRoutes
from ..state.model import SecureFile
from .core import find_project
from .views import identity_ref

HOST = "main"
routes = AreaRoutes()

SECURE_FILES = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"
MAX_SECURE_FILE_BYTES = 10 * 1024 * 1024  # the service's limit for a secure file


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


@routes.post(SECURE_FILES)
def upload_secure_file(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    name = (ctx.arg("name") or "").strip()
    if not name:
        raise bad_request("Value cannot be null.\r\nParameter name: name", "ArgumentNullException")
    if any(c in name for c in '/\\:*?"<>|'):
        raise bad_request(f"The secure file name '{name}' contains characters that are not allowed.",
                          "ArgumentException")
    content = ctx.raw_body
    if not isinstance(content, bytes | bytearray) or not content:
        raise bad_request("The secure file upload needs the file's content as an application/octet-stream body.",
                          "ArgumentException")
    if len(content) > MAX_SECURE_FILE_BYTES:
        raise bad_request(f"The secure file is larger than {MAX_SECURE_FILE_BYTES // (1024 * 1024)} MB.",
                          "ArgumentException")
    if any(f.project_id == project.id and f.name.lower() == name.lower() for f in ctx.world.secure_files.values()):
        raise conflict(f"A secure file with name {name} already exists in project {project.name}.",
                       "SecureFileAlreadyExistsException")
    secure_file = SecureFile(id=str(uuid.uuid4()), name=name, project_id=project.id, created_by=ctx.pat_owner,
                             created=ctx.now, properties={}, content=bytes(content))
    ctx.world.secure_files[secure_file.id] = secure_file
    return secure_file_view(ctx, secure_file)


@routes.delete(SECURE_FILES)
def delete_secure_file(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    del ctx.world.secure_files[_find(ctx, project.id).id]
    return None
