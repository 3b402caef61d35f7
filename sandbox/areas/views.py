"""JSON shapes several areas share: IdentityRef, ReferenceLinks, TeamProjectReference."""

from __future__ import annotations

from ..clock import iso
from ..http.context import Urls
from ..state.model import Project, Subject


def links(**hrefs: str) -> dict:
    """``_links`` as the service sends it: ``{"name": {"href": url}}``."""
    return {name: {"href": href} for name, href in hrefs.items()}


def avatar_url(urls: Urls, subject: Subject) -> str:
    return urls.of("main", f"_apis/GraphProfile/MemberAvatars/{subject.descriptor}")


def identity_ref(urls: Urls, subject: Subject) -> dict:
    """IdentityRef: how core, release and distributedtask name a user or group."""
    ref = {
        "displayName": subject.display_name,
        "url": urls.of("vssps", f"_apis/Identities/{subject.storage_key}"),
        "_links": links(avatar=avatar_url(urls, subject)),
        "id": subject.storage_key,
        "uniqueName": subject.principal_name,
        "imageUrl": urls.of("main", f"_api/_common/identityImage?id={subject.storage_key}"),
        "descriptor": subject.descriptor,
    }
    if subject.kind == "group":
        ref["isContainer"] = True
    return ref


def project_reference(urls: Urls, project: Project) -> dict:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "url": urls.of("main", f"_apis/projects/{project.id}"),
        "state": "wellFormed",
        "revision": project.revision,
        "visibility": project.visibility,
        "lastUpdateTime": iso(project.created),
    }
