"""Entities of the sandbox organization. Areas turn them into the service's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Project:
    id: str
    name: str
    description: str
    visibility: str
    process: str
    created: datetime
    revision: int = 1
    default_team_id: str | None = None


@dataclass
class Team:
    id: str
    name: str
    description: str
    project_id: str
    admins: set[str] = field(default_factory=set)  # storage keys of users


@dataclass
class Subject:
    """A Graph subject: a user or a group, known by storage key and descriptor."""

    storage_key: str
    descriptor: str
    kind: str  # "user" | "group"
    display_name: str
    principal_name: str
    origin: str  # "aad" | "vsts"
    origin_id: str
    domain: str
    mail: str | None = None
    description: str | None = None
    project_id: str | None = None  # groups scoped to a project
    given_name: str | None = None
    surname: str | None = None


@dataclass
class Entitlement:
    user_key: str
    access_level: str  # accountLicenseType: express | stakeholder | advanced
    created: datetime
    last_accessed: datetime | None


@dataclass
class Repository:
    id: str
    name: str
    project_id: str
    created: datetime
    default_branch: str | None = None
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> object id
    size: int = 0


@dataclass
class ImportRequest:
    id: int
    repository_id: str
    source_url: str
    overwrite: bool
    service_endpoint_id: str | None
    delete_endpoint_after: bool
    created: datetime
    run_seconds: float
    remote: dict | None
    failure: str | None  # why it will fail, decided when the request is made
    applied: bool = False


@dataclass
class ExecutionRecord:
    id: int
    endpoint_id: str
    definition_id: int
    definition_name: str
    plan_type: str
    result: str
    started: datetime
    finished: datetime


@dataclass
class ServiceEndpoint:
    id: str
    name: str
    type: str
    url: str
    description: str
    authorization: dict  # scheme + parameters, secrets included
    data: dict
    project_id: str
    created_by: str  # storage key
    is_ready: bool = True


@dataclass
class InstalledExtension:
    publisher_id: str
    publisher_name: str
    extension_id: str
    extension_name: str
    version: str
    installed: datetime
    contributions: list[str]


@dataclass
class SecureFile:
    id: str
    name: str
    project_id: str
    created_by: str
    created: datetime
    properties: dict
    content: bytes = b""  # stored, never returned


@dataclass
class Secret:
    hint: str
    value: str
    expires: datetime


@dataclass
class EntraApp:
    app_id: str
    display_name: str
    secrets: list[Secret]


@dataclass
class GitHubToken:
    login: str
    value: str
    expires: datetime
    scopes: list[str]
