"""core: projects, teams and team members (main origin)."""

from __future__ import annotations

from ..http.context import RequestContext, collection
from ..http.errors import not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..state.model import Project, Team
from ..state.world import World
from .views import identity_ref, links, project_reference

HOST = "main"
routes = AreaRoutes()

PROJECTS = "603fe2ac-9723-48b9-88ad-09305aa6c6e1"
TEAMS = "d30a3dd1-f8ba-442a-b86a-bd0c0c383e59"
TEAM_MEMBERS = "294c494c-2600-4d7e-b76c-3dd50c3c95be"


def find_project(world: World, id_or_name: str | None) -> Project:
    project = world.project(id_or_name)
    if project is None:
        raise not_found(
            f"TF200016: The following project does not exist: {id_or_name}. Verify that the name of the "
            "project is correct and that the project exists on the specified Azure DevOps Server.",
            "ProjectDoesNotExistWithNameException")
    return project


def find_team(world: World, project: Project, id_or_name: str) -> Team:
    team = world.team(project, id_or_name)
    if team is None:
        raise not_found(f"The team with id or name '{id_or_name}' does not exist in project '{project.name}'.",
                        "TeamNotFoundException")
    return team


def project_view(ctx: RequestContext, project: Project) -> dict:
    view = project_reference(ctx.urls, project)
    view["_links"] = links(
        self=ctx.urls.of("main", f"_apis/projects/{project.id}"),
        collection=ctx.urls.of("main", f"_apis/projectCollections/{ctx.world.organization}"),
        web=ctx.urls.of("main", project.name),
    )
    view["defaultTeam"] = {
        "id": project.default_team_id,
        "name": ctx.world.teams[project.default_team_id].name,
        "url": ctx.urls.of("main", f"_apis/projects/{project.id}/teams/{project.default_team_id}"),
    }
    if ctx.bool_arg("includeCapabilities"):
        view["capabilities"] = {
            "versioncontrol": {"sourceControlType": "Git", "gitEnabled": "True", "tfvcEnabled": "False"},
            "processTemplate": {"templateName": project.process,
                                "templateTypeId": "adcc42ab-9882-485e-a3ed-7678f01f66bc"},
        }
    return view


def team_view(ctx: RequestContext, team: Team) -> dict:
    project = ctx.world.projects[team.project_id]
    group = ctx.world.subjects[team.id]
    view = {
        "id": team.id,
        "name": team.name,
        "url": ctx.urls.of("main", f"_apis/projects/{project.id}/teams/{team.id}"),
        "description": team.description,
        "identityUrl": ctx.urls.of("vssps", f"_apis/Identities/{team.id}"),
        "projectName": project.name,
        "projectId": project.id,
    }
    if ctx.bool_arg("$expandIdentity"):
        view["identity"] = {
            "id": team.id, "descriptor": f"Microsoft.TeamFoundation.Identity;{group.origin_id}",
            "subjectDescriptor": group.descriptor, "providerDisplayName": group.principal_name,
            "isActive": True, "isContainer": True, "members": [], "memberOf": [],
            "memberIds": [], "resourceVersion": 2, "metaTypeId": 255,
        }
    return view


@routes.get(PROJECTS)
def get_projects(ctx: RequestContext):
    project_id = ctx.value("projectId")
    if project_id is not None:
        return project_view(ctx, find_project(ctx.world, project_id))
    state = (ctx.arg("stateFilter") or "wellFormed").lower()
    projects = sorted(ctx.world.projects.values(), key=lambda p: p.name.lower())
    if state not in ("wellformed", "all"):
        projects = []
    skip = ctx.int_arg("$skip") or 0
    items = projects[skip:]
    chunk, token = page(items, ctx.arg("continuationToken"), ctx.page_size(ctx.int_arg("$top"), 100), opaque=False)
    if token is not None:
        token = str(int(token) + skip)
    return collection([project_reference(ctx.urls, p) for p in chunk], token)


@routes.get(TEAMS)
def get_teams(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("projectId"))
    team_id = ctx.value("teamId")
    if team_id is not None:
        return team_view(ctx, find_team(ctx.world, project, team_id))
    teams = ctx.world.teams_of(project)
    if ctx.bool_arg("$mine") and ctx.pat_owner:
        teams = [t for t in teams if ctx.pat_owner in ctx.world.direct_members(t.id)]
    skip = ctx.int_arg("$skip") or 0
    top = ctx.page_size(ctx.int_arg("$top"), 100)
    return collection([team_view(ctx, t) for t in teams[skip:skip + top]])


@routes.get(TEAM_MEMBERS)
def get_team_members(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("projectId"))
    team = find_team(ctx.world, project, ctx.value("teamId"))
    members = [ctx.world.subjects[key] for key in ctx.world.direct_members(team.id)]
    members.sort(key=lambda s: s.display_name.lower())
    skip = ctx.int_arg("$skip") or 0
    top = ctx.page_size(ctx.int_arg("$top"), 100)
    return collection([
        {"isTeamAdmin": member.storage_key in team.admins, "identity": identity_ref(ctx.urls, member)}
        for member in members[skip:skip + top]
    ])

