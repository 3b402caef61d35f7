"""Graph: users, groups, memberships, storage keys and descriptors (vssps origin)."""

from __future__ import annotations

from ..http.context import Reply, RequestContext, collection
from ..http.errors import ServiceError, bad_request, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..state.ids import scope_descriptor
from ..state.model import Subject
from ..state.world import World
from .views import avatar_url, links

HOST = "vssps"
routes = AreaRoutes()

USERS = "005e26ec-6b77-4e4f-a986-b3827bf241f5"
GROUPS = "ebbe6af8-0b91-4c13-8cf1-777c14858188"
MEMBERSHIPS = "3fd2e6ca-fb30-443a-b579-95b19ed0934c"
MEMBERSHIPS_BATCH = "e34b6394-6b30-4435-94a9-409a5eef3e31"
STORAGE_KEYS = "eb85f8cc-f0f6-4264-a5b1-ffe2e4d4801f"
DESCRIPTORS = "048aee0a-7072-4cde-ab73-7af77b1e0b4e"

DEFAULT_PAGE = 500


def find_subject(world: World, descriptor: str | None, kind: str | None = None) -> Subject:
    if not descriptor or "." not in descriptor:
        raise bad_request(f"The descriptor '{descriptor}' is not a valid subject descriptor.",
                          "InvalidSubjectTypeException")
    subject = world.subject_by_descriptor(descriptor)
    if subject is None or (kind and subject.kind != kind):
        raise not_found(f"VS860016: The graph subject with descriptor '{descriptor}' could not be found.",
                        "GraphSubjectNotFoundException")
    return subject


def subject_view(ctx: RequestContext, subject: Subject) -> dict:
    resource = "Users" if subject.kind == "user" else "Groups"
    graph = ctx.urls.of("vssps", "_apis/Graph")
    self_url = f"{graph}/{resource}/{subject.descriptor}"
    view = {
        "subjectKind": subject.kind,
        "domain": subject.domain,
        "principalName": subject.principal_name,
        "mailAddress": subject.mail or "",
        "origin": subject.origin,
        "originId": subject.origin_id,
        "displayName": subject.display_name,
        "_links": links(
            self=self_url,
            memberships=f"{graph}/Memberships/{subject.descriptor}",
            membershipState=f"{graph}/MembershipStates/{subject.descriptor}",
            storageKey=f"{graph}/StorageKeys/{subject.descriptor}",
            avatar=avatar_url(ctx.urls, subject),
        ),
        "url": self_url,
        "descriptor": subject.descriptor,
    }
    if subject.kind == "user":
        view["metaType"] = "member"
        view["directoryAlias"] = subject.principal_name.split("@")[0]
    else:
        view["description"] = subject.description or ""
    return view


def _paged(ctx: RequestContext, subjects: list[Subject]) -> Reply:
    chunk, token = page(subjects, ctx.arg("continuationToken"), ctx.page_size(None, DEFAULT_PAGE))
    return collection([subject_view(ctx, s) for s in chunk], token)


def _subject_types(ctx: RequestContext) -> set[str]:
    raw = ctx.arg("subjectTypes")
    return {t.strip().lower() for t in raw.split(",") if t.strip()} if raw else set()


def _scope_project_id(ctx: RequestContext) -> str | None:
    scope = ctx.arg("scopeDescriptor")
    if not scope:
        return None
    project = next((p for p in ctx.world.projects.values() if scope_descriptor(p.id) == scope), None)
    if project is None:
        raise bad_request(f"The scope descriptor '{scope}' is not valid.", "InvalidScopeDescriptorException")
    return project.id


@routes.get(USERS)
def get_users(ctx: RequestContext):
    descriptor = ctx.value("userDescriptor")
    if descriptor is not None:
        return subject_view(ctx, find_subject(ctx.world, descriptor, "user"))
    types = _subject_types(ctx)
    users = [u for u in ctx.world.users() if not types or u.descriptor.split(".")[0] in types]
    return _paged(ctx, users)


@routes.get(GROUPS)
def get_groups(ctx: RequestContext):
    descriptor = ctx.value("groupDescriptor")
    if descriptor is not None:
        return subject_view(ctx, find_subject(ctx.world, descriptor, "group"))
    project_id = _scope_project_id(ctx)
    types = _subject_types(ctx)
    groups = [g for g in ctx.world.groups()
              if (project_id is None or g.project_id == project_id)
              and (not types or g.descriptor.split(".")[0] in types)]
    return _paged(ctx, groups)


def membership_view(ctx: RequestContext, member: Subject, container: Subject) -> dict:
    graph = ctx.urls.of("vssps", "_apis/Graph")
    member_resource = "Users" if member.kind == "user" else "Groups"
    return {
        "_links": links(
            self=f"{graph}/Memberships/{member.descriptor}/{container.descriptor}",
            member=f"{graph}/{member_resource}/{member.descriptor}",
            container=f"{graph}/Groups/{container.descriptor}",
        ),
        "containerDescriptor": container.descriptor,
        "memberDescriptor": member.descriptor,
    }


def _pair(ctx: RequestContext) -> tuple[Subject, Subject]:
    member = find_subject(ctx.world, ctx.value("subjectDescriptor"))
    container = find_subject(ctx.world, ctx.value("containerDescriptor"))
    if container.kind != "group":
        raise bad_request(f"The container '{container.descriptor}' is not a group.", "InvalidSubjectTypeException")
    return member, container


@routes.put(MEMBERSHIPS)
def add_membership(ctx: RequestContext):
    member, container = _pair(ctx)
    if member.storage_key == container.storage_key or _reaches(ctx.world, container.storage_key, member.storage_key):
        raise ServiceError(400, f"Adding {member.principal_name} to {container.principal_name} would create a "
                                "circular group membership.", "GroupMembershipCycleException")
    created = ctx.world.add_membership(member.storage_key, container.storage_key)
    return Reply(membership_view(ctx, member, container), status=201 if created else 200)


def _reaches(world: World, start: str, target: str) -> bool:
    """Is ``target`` a (transitive) container of ``start``?"""
    seen, frontier = set(), [start]
    while frontier:
        current = frontier.pop()
        for container in world.direct_containers(current):
            if container == target:
                return True
            if container not in seen:
                seen.add(container)
                frontier.append(container)
    return False


def _existing_pair(ctx: RequestContext) -> tuple[Subject, Subject]:
    member, container = _pair(ctx)
    if (member.storage_key, container.storage_key) not in ctx.world.memberships:
        raise not_found(f"VS860017: The membership of {member.descriptor} in {container.descriptor} does not exist.",
                        "GraphMembershipNotFoundException")
    return member, container


@routes.get(MEMBERSHIPS)
def get_membership(ctx: RequestContext):
    member, container = _existing_pair(ctx)
    return membership_view(ctx, member, container)


@routes.head(MEMBERSHIPS)
def check_membership(ctx: RequestContext):
    _existing_pair(ctx)
    return Reply(None, status=200)


@routes.delete(MEMBERSHIPS)
def remove_membership(ctx: RequestContext):
    member, container = _existing_pair(ctx)
    ctx.world.memberships.discard((member.storage_key, container.storage_key))
    return Reply(None, status=200)


@routes.get(MEMBERSHIPS_BATCH)
def list_memberships(ctx: RequestContext):
    subject = find_subject(ctx.world, ctx.value("subjectDescriptor"))
    direction = (ctx.arg("direction") or "up").lower()
    depth = ctx.int_arg("depth") or 1
    world = ctx.world
    pairs: list[tuple[Subject, Subject]] = []
    frontier, seen = [subject.storage_key], {subject.storage_key}
    for _ in range(max(1, depth)):
        following = []
        for key in frontier:
            if direction == "down":
                neighbours = [(world.subjects[m], world.subjects[key]) for m in world.direct_members(key)]
            else:
                neighbours = [(world.subjects[key], world.subjects[c]) for c in world.direct_containers(key)]
            for member, container in neighbours:
                pairs.append((member, container))
                nxt = member.storage_key if direction == "down" else container.storage_key
                if nxt not in seen:
                    seen.add(nxt)
                    following.append(nxt)
        frontier = following
    pairs.sort(key=lambda pair: (pair[1].principal_name.lower(), pair[0].principal_name.lower()))
    return collection([membership_view(ctx, member, container) for member, container in pairs])


@routes.get(STORAGE_KEYS)
def get_storage_key(ctx: RequestContext):
    subject = find_subject(ctx.world, ctx.value("subjectDescriptor"))
    return {"value": subject.storage_key,
            "_links": links(descriptor=ctx.urls.of("vssps", f"_apis/Graph/Descriptors/{subject.storage_key}"))}


@routes.get(DESCRIPTORS)
def get_descriptor(ctx: RequestContext):
    key = (ctx.value("storageKey") or "").lower()
    subject = ctx.world.subjects.get(key)
    if subject is not None:
        value = subject.descriptor
        related = {"storageKey": ctx.urls.of("vssps", f"_apis/Graph/StorageKeys/{value}"),
                   "subject": subject_view(ctx, subject)["url"]}
    elif key in ctx.world.projects:
        value = scope_descriptor(key)
        related = {}
    else:
        raise not_found(f"VS860018: No subject or scope with storage key '{key}' was found.",
                        "StorageKeyNotFoundException")
    return {"value": value, "_links": links(**related)} if related else {"value": value}
