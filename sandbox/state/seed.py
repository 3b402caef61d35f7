"""Build the seeded world from the data files in sandbox/world/.

The people come from ``college_team.json``, the project's single definition of the College Team;
everything else from the other files of that folder. Ids derive from names, so every reset gives
the same ids, and times are relative to the moment of the reset.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from .ids import group_descriptor, stable_id
from .model import (
    Entitlement,
    EntraApp,
    ExecutionRecord,
    GitHubToken,
    InstalledExtension,
    Project,
    Repository,
    Secret,
    SecureFile,
    ServiceEndpoint,
    Subject,
    Team,
)
from .release_seed import seed_releases
from .world import Person, World

WORLD_DIR = Path(__file__).resolve().parents[1] / "world"


def _read(name: str) -> dict:
    return json.loads((WORLD_DIR / name).read_text(encoding="utf-8"))


class _Files:
    """The seed files, read once per process (a reset only rebuilds objects)."""

    @staticmethod
    @cache
    def get(name: str) -> dict:
        return _read(name)


def college_team() -> dict:
    return _Files.get("college_team.json")


def build_world(now: datetime) -> World:
    team_file = college_team()
    org = _Files.get("organization.json")
    people = {p["key"]: p for p in team_file["people"]}
    directory = {
        p["upn"].lower(): Person(p["key"], p["name"], p["given_name"], p["surname"], p["upn"], p["aad_object_id"])
        for p in team_file["people"]
    }
    world = World(
        organization=team_file["organization"], tenant_id=team_file["tenant_id"], domain=team_file["domain"],
        seeded_at=now, access_levels=org["access_levels"], project_group_types=org["project_group_types"],
        directory=directory, remotes=_Files.get("remotes.json")["remotes"],
    )
    _seed_organization_groups(world, org)
    _seed_people(world, people, now)
    for spec in org["projects"]:
        _seed_project(world, spec, people, now)
    _seed_credentials(world, now)
    _seed_service_endpoints(world, people, now)
    _seed_extensions(world, now)
    _seed_secure_files(world, people, now)
    _seed_release_definitions(world, people, now)
    seed_releases(world, people, now)
    return world


def _days(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def _new_group(world: World, name: str, description: str, project: Project | None) -> Subject:
    scope = project.name if project else world.organization
    key = stable_id("group", scope, name)
    group = Subject(
        storage_key=key, descriptor=group_descriptor(key), kind="group", display_name=name,
        principal_name=f"[{scope}]\\{name}", origin="vsts", origin_id=key,
        domain=(f"vstfs:///Classification/TeamProject/{project.id}" if project
                else f"vstfs:///Framework/IdentityDomain/{stable_id('collection', world.organization)}"),
        description=description, project_id=project.id if project else None,
    )
    world.subjects[key] = group
    return group


def _seed_organization_groups(world: World, org: dict) -> None:
    for spec in org["organization_groups"]:
        _new_group(world, spec["name"], spec["description"], None)


def _seed_people(world: World, people: dict[str, dict], now: datetime) -> None:
    valid_users = world.group(None, "Project Collection Valid Users")
    for index, person in enumerate(people.values()):
        if not person["in_organization"]:
            continue
        user = world.materialize_user(world.directory[person["upn"].lower()])
        level = world.access_levels[person["access_level"]]["accountLicenseType"]
        world.entitlements[user.storage_key] = Entitlement(
            user.storage_key, level, created=_days(now, 30 - index), last_accessed=_days(now, index * 0.5))
        world.add_membership(user.storage_key, valid_users.storage_key)


def _user_key(world: World, people: dict[str, dict], person_key: str) -> str:
    return world.user_by_principal_name(people[person_key]["upn"]).storage_key


def _seed_project(world: World, spec: dict, people: dict[str, dict], now: datetime) -> None:
    project = Project(
        id=stable_id("project", spec["name"]), name=spec["name"], description=spec["description"],
        visibility=spec["visibility"], process=spec["process"], created=_days(now, spec["created_days_ago"]),
    )
    world.projects[project.id] = project
    for group in spec["groups"]:
        _new_group(world, group["name"], group["description"], project)
    for team_spec in spec["teams"]:
        group = _new_group(world, team_spec["name"], team_spec["description"], project)
        team = Team(id=group.storage_key, name=team_spec["name"], description=team_spec["description"],
                    project_id=project.id)
        world.teams[team.id] = team
        if team_spec.get("default"):
            project.default_team_id = team.id
        for container in team_spec["member_of"]:
            world.add_membership(group.storage_key, world.group(project.id, container).storage_key)
        if team_spec["name"].lower() == college_team()["team"].lower():
            for person in people.values():
                if person["in_organization"] and person["team_member"]:
                    key = _user_key(world, people, person["key"])
                    world.add_membership(key, group.storage_key)
                    if person["team_admin"]:
                        team.admins.add(key)
    valid = world.group(project.id, "Project Valid Users")
    world.add_membership(world.group(project.id, "Contributors").storage_key, valid.storage_key)
    for repo_spec in spec["repositories"]:
        remote = world.remote(repo_spec["imported_from"])
        repo = Repository(
            id=stable_id("repository", project.name, repo_spec["name"]), name=repo_spec["name"],
            project_id=project.id, created=_days(now, repo_spec["created_days_ago"]),
        )
        apply_remote(repo, remote)
        world.repositories[repo.id] = repo


def apply_remote(repo: Repository, remote: dict) -> None:
    """Give ``repo`` the branches, tags and default branch of the remote it was imported from."""
    repo.refs = {f"refs/heads/{name}": sha for name, sha in remote["branches"].items()}
    repo.refs.update({f"refs/tags/{name}": sha for name, sha in remote["tags"].items()})
    repo.default_branch = f"refs/heads/{remote['default_branch']}"
    repo.size = remote["size_bytes"]


def _seed_credentials(world: World, now: datetime) -> None:
    creds = _Files.get("credentials.json")
    for app in creds["entra_apps"]:
        secrets = [Secret(s["hint"], s["value"], now + timedelta(days=s["expires_in_days"])) for s in app["secrets"]]
        world.entra_apps[app["app_id"].lower()] = EntraApp(app["app_id"], app["display_name"], secrets)
    world.github_tokens = [
        GitHubToken(t["login"], t["value"], now + timedelta(days=t["expires_in_days"]), list(t["scopes"]))
        for t in creds["github_tokens"]
    ]


def _seed_service_endpoints(world: World, people: dict[str, dict], now: datetime) -> None:
    project = world.project(college_team()["project"])
    record_id = 1
    for spec in _Files.get("service_endpoints.json")["service_endpoints"]:
        endpoint = ServiceEndpoint(
            id=stable_id("endpoint", project.name, spec["name"]), name=spec["name"], type=spec["type"],
            url=spec["url"], description=spec["description"],
            authorization=json.loads(json.dumps(spec["authorization"])), data=dict(spec["data"]),
            project_id=project.id, created_by=_user_key(world, people, spec["created_by"]),
        )
        world.service_endpoints[endpoint.id] = endpoint
        for run in spec["history"]:
            started = _days(now, run["days_ago"])
            world.execution_records.append(ExecutionRecord(
                id=record_id, endpoint_id=endpoint.id, definition_id=1, definition_name=run["definition"],
                plan_type=run["plan_type"], result=run["result"], started=started,
                finished=started + timedelta(minutes=4)))
            record_id += 1


def _seed_extensions(world: World, now: datetime) -> None:
    world.marketplace = _Files.get("extensions.json")["marketplace"]
    for spec in _Files.get("extensions.json")["installed_extensions"]:
        world.extensions.append(InstalledExtension(
            spec["publisherId"], spec["publisherName"], spec["extensionId"], spec["extensionName"],
            spec["version"], _days(now, spec["installed_days_ago"]), list(spec["contributions"])))


def _seed_secure_files(world: World, people: dict[str, dict], now: datetime) -> None:
    for spec in _Files.get("secure_files.json")["secure_files"]:
        project = world.project(spec["project"])
        secure_file = SecureFile(
            id=stable_id("securefile", project.name, spec["name"]), name=spec["name"], project_id=project.id,
            created_by=_user_key(world, people, spec["uploaded_by"]), created=_days(now, spec["uploaded_days_ago"]),
            properties=dict(spec["properties"]))
        world.secure_files[secure_file.id] = secure_file


def _seed_release_definitions(world: World, people: dict[str, dict], now: datetime) -> None:
    for definition_id, spec in enumerate(_Files.get("release_definitions.json")["release_definitions"], start=1):
        project = world.project(spec["project"])
        environments = []
        for rank, env in enumerate(spec["environments"], start=1):
            approvers = env.get("approvers") or [
                p["key"] for p in people.values() if env["name"] in p["approver_for"] and p["in_organization"]]
            environments.append({
                "id": definition_id * 10 + rank, "name": env["name"], "rank": rank, "after": env["after"],
                "release_creator_can_be_approver": bool(env.get("release_creator_can_be_approver", False)),
                "approvers": [_user_key(world, people, key) for key in approvers],
            })
        artifacts = []
        for artifact in spec["artifacts"]:
            endpoint = next(e for e in world.service_endpoints.values() if e.name == artifact["connection"])
            artifacts.append({**artifact, "connection_id": endpoint.id})
        world.release_definitions[definition_id] = {
            "id": definition_id, "project_id": project.id, "name": spec["name"], "description": spec["description"],
            "path": spec["path"], "release_name_format": spec["release_name_format"],
            "created_by": _user_key(world, people, spec["created_by"]), "created": _days(now, spec["created_days_ago"]),
            "revision": 1, "artifacts": artifacts, "environments": environments,
        }
