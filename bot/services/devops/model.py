"""The Azure DevOps data the bot uses, one plain type per concept (no SDK types, no I/O).

Readers (projects.py, repositories.py, connections.py, ...) turn the service's answers into these; checks
(workshop_checks.py) judge them; cards (cards/) show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

AZURE_ML_ARTIFACT = "AzureML"  # the release artifact type of the Machine Learning extension

# Service connection types and schemes people meet in the workshop, by the names the portal shows.
KIND_NAMES = {
    "azurerm": "Azure Resource Manager",
    "github": "GitHub",
    "githubenterprise": "GitHub Enterprise Server",
    "git": "Other Git",
    "generic": "Generic",
    "dockerregistry": "Docker Registry",
    "kubernetes": "Kubernetes",
    "azureml": "Azure Machine Learning",
}
SCHEME_NAMES = {
    "serviceprincipal": "Service principal (secret)",
    "workloadidentityfederation": "Workload identity federation",
    "managedserviceidentity": "Managed identity",
    "personalaccesstoken": "Personal access token",
    "token": "Token",
    "installationtoken": "GitHub App",
    "oauth": "OAuth",
    "usernamepassword": "Username and password",
}


# ---- project, team, people ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Project:
    id: str
    name: str
    web_url: str = ""


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Member:
    """A person in a team (groups that are team members are not people, and are left out by the readers)."""

    name: str
    email: str  # the principal name (UPN)
    descriptor: str = ""
    is_admin: bool = False
    access_level: str = ""  # "Basic", "Stakeholder", "" when unknown


@dataclass(frozen=True)
class Onboarded:
    """What onboarding did for one person, exactly."""

    email: str
    outcome: str  # "added" | "already" | "partial" (access but not the team) | "failed" | "unknown" (not readable)
    detail: str = ""  # the access level when added; else why
    name: str = ""
    note: str = ""  # e.g. the answer was lost but the change took effect


# ---- repositories -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Repository:
    id: str
    name: str
    default_branch: str = ""  # "main" (without refs/heads/), "" before the first push
    https_url: str = ""
    ssh_url: str = ""
    web_url: str = ""
    size: int = 0
    is_disabled: bool = False

    @property
    def empty(self) -> bool:
        """Nothing pushed or imported yet: no default branch and no data (Azure DevOps imports only into these)."""
        return not self.default_branch and not self.size


@dataclass(frozen=True)
class ImportStatus:
    request_id: int
    status: str  # queued | inProgress | completed | failed | abandoned
    step: int
    steps: tuple[str, ...]
    error: str = ""  # credentials scrubbed

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "abandoned")


@dataclass(frozen=True)
class GitCredentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never print them, even by accident
        return "GitCredentials(<hidden>)"

    __str__ = __repr__


# ---- service connections ----------------------------------------------------------------------------------------
class TestState(StrEnum):
    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"  # the service tested it and said no: ``message`` is its reason
    TIMED_OUT = "timed_out"  # no verdict within the time limit
    ERROR = "error"  # the test could not be run (Azure DevOps failed): ``message`` says why


@dataclass(frozen=True)
class ConnectionTest:
    state: TestState
    message: str = ""
    status_code: str = ""
    seconds: float = 0.0
    advice: str = ""  # for ERROR: what the failed call's error says to do (e.g. "Try again in 30 seconds.")

    __test__ = False  # not a pytest test class

    @property
    def passed(self) -> bool:
        return self.state is TestState.PASSED


@dataclass(frozen=True)
class LastExecution:
    result: str  # "succeeded", "failed", ...
    definition: str  # the pipeline that used the connection
    run: str  # "Release-12"
    finished: datetime | None
    url: str = ""


@dataclass(frozen=True)
class ServiceConnection:
    id: str
    name: str
    type: str  # the service's type id: "azurerm", "github", ...
    scheme: str  # "ServicePrincipal", "PersonalAccessToken", ...
    is_ready: bool
    url: str = ""
    description: str = ""
    web_url: str = ""
    parameters: dict[str, str] = field(default_factory=dict)  # authorization parameters, secrets never included
    data: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return KIND_NAMES.get(self.type.lower(), self.type)

    @property
    def scheme_name(self) -> str:
        return SCHEME_NAMES.get(self.scheme.lower(), self.scheme or "none")

    def parameter(self, name: str) -> str:
        return next((v for k, v in self.parameters.items() if k.lower() == name.lower()), "") or ""

    @property
    def service_principal_id(self) -> str:
        return self.parameter("serviceprincipalid")

    def is_type(self, type_id: str) -> bool:
        return self.type.lower() == type_id.lower()


@dataclass(frozen=True)
class Diagnosis:
    """What a failed TestConnection means, in plain words, and what to do about it."""

    summary: str  # one line in plain words
    next_step: str  # what to click or type


# ---- pipelines library, extensions, releases --------------------------------------------------------------------
@dataclass(frozen=True)
class SecureFile:
    id: str
    name: str


@dataclass(frozen=True)
class Extension:
    publisher_id: str
    extension_id: str
    name: str
    version: str = ""
    flags: str = ""

    @property
    def is_disabled(self) -> bool:
        return "disabled" in self.flags.lower()


@dataclass(frozen=True)
class Artifact:
    alias: str
    type: str
    connection_id: str = ""
    connection_name: str = ""
    model: str = ""  # for an Azure ML model artifact

    @property
    def is_azure_ml_model(self) -> bool:
        return self.type.lower() == AZURE_ML_ARTIFACT.lower()


@dataclass(frozen=True)
class ReleaseDefinition:
    id: int
    name: str
    web_url: str = ""
    artifacts: tuple[Artifact, ...] = ()


# ---- releases (classic pipelines) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Approval:
    """A pre- or post-deployment approval of one stage of a release."""

    id: int
    status: str  # pending | approved | rejected | reassigned | canceled | skipped
    approver: str  # display name (a person or a group)
    approver_id: str = ""  # the Azure DevOps identity id
    approver_descriptor: str = ""  # the Graph subject descriptor ("aad.…" for a person, "vssgp.…" for a group)
    approver_is_group: bool = False
    approved_by: str = ""
    comments: str = ""
    created_on: datetime | None = None
    modified_on: datetime | None = None
    stage: str = ""
    release_id: int = 0
    release_name: str = ""
    definition: str = ""

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    # the shape every pending approval shares (classic and YAML), for the cards and the decision
    @property
    def what(self) -> str:
        return f"{self.stage} of {self.release_name}"

    @property
    def lock_key(self) -> tuple[str, int]:
        return ("release", self.id)

    @property
    def group(self) -> tuple[str, int]:
        """What "Approve all" covers: the release."""
        return ("release", self.release_id)


@dataclass(frozen=True)
class Identity:
    """An IdentityRef: a person or a group (``is_group``), with its Azure DevOps id and Graph descriptor."""

    name: str
    id: str = ""
    descriptor: str = ""
    is_group: bool = False


@dataclass(frozen=True)
class ApprovalStep:
    """One approver's step of a YAML environment approval."""

    assigned: Identity
    status: str  # pending | approved | rejected | skipped | ...
    actual: Identity | None = None  # who decided it (a member, when a group was assigned)
    comment: str = ""
    modified_on: datetime | None = None


@dataclass(frozen=True)
class RunApproval:
    """A YAML pipeline run's approval (an environment's Approvals check). The approvals API names the pipeline and
    the run, not the environment: ``stage`` is its instructions' stand-in only when nothing better is known."""

    id: str  # a GUID
    status: str  # uninitiated | pending | approved | rejected | skipped | canceled | timedOut | failed
    steps: tuple[ApprovalStep, ...] = ()
    blocked: tuple[Identity, ...] = ()  # may not decide (the run's requester when "requester cannot approve")
    instructions: str = ""
    min_required: int = 1
    created_on: datetime | None = None
    modified_on: datetime | None = None
    pipeline_id: int = 0
    pipeline: str = ""
    run_id: int = 0
    run_name: str = ""
    run_url: str = ""
    stage: str = ""  # the environment, when known

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @property
    def waiting_for(self) -> tuple[Identity, ...]:
        return tuple(s.assigned for s in self.steps if s.status in ("pending", "deferred"))

    @property
    def approver(self) -> str:
        """Who it waits for (or waited for), by name."""
        people = self.waiting_for or tuple(s.assigned for s in self.steps)
        return ", ".join(dict.fromkeys(p.name for p in people)) or "its approvers"

    @property
    def decided_step(self) -> ApprovalStep | None:
        return next((s for s in reversed(self.steps)
                     if s.status not in ("pending", "deferred", "uninitiated") and s.actual is not None), None)

    @property
    def approved_by(self) -> str:
        step = self.decided_step
        return step.actual.name if step is not None and step.actual is not None else ""

    @property
    def comments(self) -> str:
        step = self.decided_step
        return step.comment if step is not None else ""

    @property
    def release_name(self) -> str:  # what the run is called on a card, as a release's name is
        return f"{self.pipeline} run {self.run_name}".strip()

    @property
    def what(self) -> str:
        return f"{self.stage} of {self.release_name}" if self.stage else self.release_name

    @property
    def lock_key(self) -> tuple[str, str]:
        return ("run", self.id)

    @property
    def group(self) -> tuple[str, int]:
        """What "Approve all" covers: the run."""
        return ("run", self.run_id)


PendingApproval = Approval | RunApproval  # what the approvals cards and the decision take


@dataclass(frozen=True)
class Stage:
    """One stage (environment) of a release."""

    id: int
    name: str
    status: str  # notStarted | queued | inProgress | succeeded | rejected | canceled | partiallySucceeded | ...
    approvals: tuple[Approval, ...] = ()
    modified_on: datetime | None = None

    @property
    def waiting_for(self) -> tuple[str, ...]:
        return tuple(a.approver for a in self.approvals if a.status == "pending")


@dataclass(frozen=True)
class ShippedArtifact:
    alias: str
    type: str
    version: str = ""
    model: str = ""  # for an Azure ML model artifact: the model's name (version is its version)

    @property
    def is_azure_ml_model(self) -> bool:
        return self.type.lower() == AZURE_ML_ARTIFACT.lower()


@dataclass(frozen=True)
class PipelineRun:
    """A YAML pipeline's run (id = the build id)."""

    id: int
    name: str
    pipeline_id: int
    pipeline: str
    state: str  # unknown | inProgress | canceling | completed
    result: str = ""  # unknown | succeeded | failed | canceled ("" while it runs)
    created_on: datetime | None = None
    finished_on: datetime | None = None
    web_url: str = ""
    waiting: tuple[RunApproval, ...] = ()  # its pending approvals (filled in by the reader when asked)


@dataclass(frozen=True)
class Previous:
    """The model version the stage before an approval's stage shipped last (for "version 3, was 2 in QA")."""

    stage: str
    version: str
    release: str  # the release that shipped it there


@dataclass(frozen=True)
class Release:
    id: int
    name: str
    definition: str
    status: str  # active | abandoned | draft
    created_by: str = ""
    created_on: datetime | None = None
    stages: tuple[Stage, ...] = ()
    artifacts: tuple[ShippedArtifact, ...] = ()
    web_url: str = ""


@dataclass(frozen=True)
class Build:
    """A build (a YAML pipeline's run: the same id) as the Build API reads it."""

    id: int
    number: str
    pipeline: str
    status: str  # notStarted | inProgress | completed | ...
    result: str  # succeeded | partiallySucceeded | failed | canceled ("" until it completes)
    branch: str  # refs/heads/...
    pushed_by: str  # whom the build was requested for (who pushed, for a CI build)
    finished: datetime | None = None
    web_url: str = ""


# ---- digests -----------------------------------------------------------------------------------------------------
GOOD_RESULTS = frozenset({"succeeded"})


@dataclass(frozen=True)
class Outcome:
    """One finished run or deployment."""

    name: str  # "20261128.1", "Release-3 · Prod"
    result: str  # succeeded | failed | partiallySucceeded | canceled (a failed deployment: failed)
    at: datetime | None
    url: str = ""

    @property
    def failed(self) -> bool:
        return self.result not in GOOD_RESULTS


@dataclass(frozen=True)
class PipelineHealth:
    """A YAML pipeline or a release pipeline: its last result and what happened in the period."""

    kind: str  # "pipeline" | "release"
    id: int
    name: str
    url: str = ""
    last: Outcome | None = None
    runs: int = 0  # finished in the period
    succeeded: int = 0
    failures: tuple[Outcome, ...] = ()  # in the period, newest first

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.runs if self.runs else None


@dataclass(frozen=True)
class NewModelVersion:
    name: str
    version: str
    created_by: str = ""
    created_at: datetime | None = None
    verdict: dict[str, Any] | None = None  # the check's result, None when not checked yet
    checking: bool = False  # a check is running


@dataclass
class Digest:
    project: str
    org_url: str
    since: datetime
    until: datetime
    pipelines: list[PipelineHealth] = field(default_factory=list)
    release_pipelines: list[PipelineHealth] = field(default_factory=list)
    in_flight: list[Release] = field(default_factory=list)
    approvals: list[PendingApproval] = field(default_factory=list)  # oldest first
    models: list[NewModelVersion] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)  # which lists were longer than the pages read
    unread: list[str] = field(default_factory=list)  # lists Azure DevOps did not give this time, with why

    @property
    def pipelines_url(self) -> str:
        return f"{self.org_url}/{self.project}/_build"

    @property
    def releases_url(self) -> str:
        return f"{self.org_url}/{self.project}/_release"

    def release_url(self, release_id: int) -> str:
        return (f"{self.org_url}/{self.project}/_releaseProgress?_a=release-pipeline-progress&releaseId={release_id}"
                if self.org_url and release_id else "")

    @property
    def approvals_url(self) -> str:
        return f"{self.org_url}/{self.project}/_release?_a=approvals" if self.org_url else ""
