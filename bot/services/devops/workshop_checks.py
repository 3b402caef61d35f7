"""doctor's checks of the workshop's Azure DevOps setup: pure functions from the data the readers give to a
``CheckResult`` (passes, or fails with the exact next step). What the setup must contain is ``Expected``, from the
settings (DOCTOR_*, AZURE_DEVOPS_PROJECT, AZURE_DEVOPS_TEAM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.errors import UserFacingError
from bot.services.checks.model import CheckResult
from bot.services.devops.connections import diagnose
from bot.services.devops.model import (
    ConnectionTest,
    Extension,
    Member,
    Project,
    ReleaseDefinition,
    Repository,
    SecureFile,
    ServiceConnection,
    Team,
    TestState,
)
from bot.settings import Settings

GITHUB, AZURE_RM = "github", "azurerm"
ORDER = ("project", "team", "members", "repository", "github", "arm", "secure_file", "extension", "release")
NEEDS_PROJECT = frozenset({"team", "members", "repository", "github", "arm", "secure_file", "release"})
MARKETPLACE = "https://marketplace.visualstudio.com/items?itemName={id}"
CONNECTIONS_PAGE = "Project settings → Service connections"
# the gaps the bot can close itself (doctor's Fix buttons, bot/commands/doctor.py)
FIX_EXTENSION, FIX_ARM, FIX_SECURE_FILE = "extension", "arm_connection", "secure_file"


def _default(field: str):
    return Settings.model_fields[field].default


@dataclass(frozen=True)
class Expected:
    """What the workshop's setup must contain."""

    project: str
    team: str
    # defaults: the workshop's names, as the settings define them (one place)
    repository: str = _default("doctor_repository")
    repository_url: str = _default("doctor_repository_url")
    github_connection: str = _default("doctor_github_connection")  # "" = any GitHub connection
    arm_connection: str = _default("doctor_arm_connection")  # "" = any Azure Resource Manager connection
    secure_file: str = _default("doctor_secure_file")
    extension: str = _default("doctor_extension")
    model: str = _default("doctor_model")  # "" = any Azure ML model artifact
    timeout_s: float = _default("connection_test_timeout_s")

    @classmethod
    def from_settings(cls, settings: Settings) -> Expected:
        return cls(project=settings.devops_project, team=settings.devops_team,
                   repository=settings.doctor_repository, repository_url=settings.doctor_repository_url,
                   github_connection=settings.doctor_github_connection, arm_connection=settings.doctor_arm_connection,
                   secure_file=settings.doctor_secure_file, extension=settings.doctor_extension,
                   model=settings.doctor_model, timeout_s=settings.connection_test_timeout_s)


# ---- titles (also what a pending line shows) ---------------------------------------------------------------------
def title_of(key: str, e: Expected) -> str:
    return {
        "project": f"Project {e.project} exists",
        "team": f"Team {e.team} exists",
        "members": f"{e.team} has members",
        "repository": f"Repository {e.repository} is imported",
        "github": (f"GitHub connection {e.github_connection} passes TestConnection" if e.github_connection
                   else "A GitHub connection passes TestConnection"),
        "arm": (f"Azure Resource Manager connection {e.arm_connection} passes TestConnection" if e.arm_connection
                else "An Azure Resource Manager connection passes TestConnection"),
        "secure_file": f"Secure file {e.secure_file} is uploaded",
        "extension": f"Extension {e.extension} is installed",
        "release": (f"A release pipeline has the Azure ML model artifact {e.model}" if e.model
                    else "A release pipeline has an Azure ML model artifact"),
    }[key]


def _pass(key: str, e: Expected, detail: str = "") -> CheckResult:
    return CheckResult(title_of(key, e), "pass", detail)


def _fail(key: str, e: Expected, detail: str, next_step: str, reason: str = "", state: str = "fail",
          fix: str = "") -> CheckResult:
    return CheckResult(title_of(key, e), state, detail, reason, next_step, fix)


def pending(key: str, e: Expected) -> CheckResult:
    return CheckResult(title_of(key, e), "pending", "checking…")


def could_not_check(key: str, e: Expected, error: UserFacingError) -> CheckResult:
    """An item whose data Azure DevOps could not give: says why, and when to try again."""
    return CheckResult(title_of(key, e), "error", f"Could not check: {error.message}",
                     next_step=error.next_step or "Type doctor again in a minute.")


# ---- the checks: pure functions over plain data -------------------------------------------------------------------
def check_project(found: Project | None, e: Expected) -> CheckResult:
    if found is None:
        return _fail("project", e, f"There is no project called {e.project} in the organization.",
                     f"Create it in Azure DevOps: your organization's start page → New project → name {e.project} → "
                     "Create. Or, if the workshop uses another project, set AZURE_DEVOPS_PROJECT to its name and "
                     "restart the bot.")
    return _pass("project", e, found.web_url)


def check_team(found: Team | None, e: Expected) -> CheckResult:
    if found is None:
        return _fail("team", e, f"Project {e.project} has no team called {e.team}.",
                     f"Create it: Project settings → Teams → New team → name {e.team} → Create. Or set "
                     "AZURE_DEVOPS_TEAM to your team's name and restart the bot.")
    return _pass("team", e, f"in project {e.project}")


def check_members(members: Sequence[Member], e: Expected) -> CheckResult:
    if not members:
        return _fail("members", e, f"{e.team} has no members yet.",
                     "Add the participants: a team admin types `onboard` followed by their email addresses, e.g. "
                     f"`onboard dana@contoso.com erin@contoso.com` (or Project settings → Teams → {e.team} → Add).")
    names = [f"{m.name} (admin)" if m.is_admin else m.name for m in sorted(members, key=lambda m: m.name.lower())]
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return _pass("members", e, f"{len(members)} member(s): {shown}")


def check_repository(found: Repository | None, e: Expected) -> CheckResult:
    command_text = f"`repo import {e.repository_url} as {e.repository}`"
    if found is None:
        return _fail("repository", e, f"Project {e.project} has no repository called {e.repository}.",
                     f"Type {command_text} (team admins can; it asks you to confirm).")
    if found.is_disabled:
        return _fail("repository", e, f"The repository {e.repository} is disabled.",
                     f"Enable it: Project settings → Repositories → {e.repository} → Settings → Disable repository: "
                     "Off.")
    if found.empty:
        return _fail("repository", e, f"The repository {e.repository} exists but is empty: nothing was imported.",
                     f"Type {command_text} (team admins can; it imports into the empty repository), or in Azure "
                     f"DevOps: Repos → {e.repository} → Import → Clone URL {e.repository_url} → Import.")
    size = f", {found.size / 1_000_000:.1f} MB" if found.size else ""
    branch = f"default branch {found.default_branch}" if found.default_branch else "no default branch yet"
    return _pass("repository", e, f"{branch}{size}")


def _new_connection_step(kind: str, e: Expected) -> str:
    if kind == GITHUB:
        name = e.github_connection or "GitHub"
        return (f"Create it: {CONNECTIONS_PAGE} → New service connection → GitHub → Authorize using OAuth (or a "
                f"personal access token) → Service connection name {name} → Save.")
    name = e.arm_connection or "aml-workspace-connection"
    return (f"Create it: {CONNECTIONS_PAGE} → New service connection → Azure Resource Manager → Service principal "
            "(automatic) → Scope level Machine Learning Workspace → choose the subscription, resource group and "
            f"workspace → Service connection name {name} → Save.")


def check_connection(kind: str, connections: Sequence[ServiceConnection], tests: dict[str, ConnectionTest],
                     e: Expected) -> CheckResult:
    """Passes when the named connection (or, with no name set, any connection of the type) passes TestConnection."""
    key = "github" if kind == GITHUB else "arm"
    wanted = e.github_connection if kind == GITHUB else e.arm_connection
    kind_name = "GitHub" if kind == GITHUB else "Azure Resource Manager"
    if wanted:
        named = [c for c in connections if c.name.lower() == wanted.lower()]
        if named and not named[0].is_type(kind):
            return _fail(key, e, f"{wanted} is a {named[0].kind} connection, not {kind_name}.",
                         _new_connection_step(kind, e))
        candidates = named
    else:
        candidates = [c for c in connections if c.is_type(kind)]
    if not candidates:
        missing = f"There is no service connection called {wanted}." if wanted else \
            f"Project {e.project} has no {kind_name} service connection."
        return _fail(key, e, missing, _new_connection_step(kind, e), fix=FIX_ARM if kind == AZURE_RM else "")
    if any(c.id not in tests for c in candidates):
        return CheckResult(title_of(key, e), "pending", "testing…")
    passing = [c for c in candidates if tests[c.id].passed]
    others = [c for c in candidates if not tests[c.id].passed]
    if passing:
        detail = ", ".join(f"{c.name} passes" for c in passing)
        if others:
            detail += "; " + ", ".join(f"{c.name} does not" for c in others) + " (type connections for details)"
        return _pass(key, e, detail)
    # none passes: report the most telling failure (a verdict beats a timeout beats an error)
    rank = {TestState.FAILED: 0, TestState.TIMED_OUT: 1, TestState.ERROR: 2}
    worst = min(candidates, key=lambda c: (rank.get(tests[c.id].state, 3), c.name.lower()))
    test = tests[worst.id]
    diagnosis = diagnose(worst, test, timeout_s=e.timeout_s)
    assert diagnosis is not None
    others_note = f" ({len(candidates) - 1} other {kind_name} connection(s) fail too.)" if len(candidates) > 1 else ""
    state = {TestState.FAILED: "fail", TestState.TIMED_OUT: "timeout"}.get(test.state, "error")
    reason = f"The service said: {test.message}" if test.state is TestState.FAILED else ""
    return _fail(key, e, f"{worst.name}: {diagnosis.summary}{others_note}", diagnosis.next_step, reason, state)


def check_secure_file(files: Sequence[SecureFile], e: Expected) -> CheckResult:
    if any(f.name.lower() == e.secure_file.lower() for f in files):
        return _pass("secure_file", e, "in Pipelines → Library → Secure files")
    hint = (" (the Azure ML workspace's config.json: subscription_id, resource_group, workspace_name, "
            "workspace_region, service_principal_id, service_principal_password, tenant_id)"
            if e.secure_file.lower() == "config.json" else "")
    return _fail("secure_file", e, f"Project {e.project} has no secure file called {e.secure_file}.",
                 f"Upload it: Pipelines → Library → Secure files → + Secure file → Browse → your {e.secure_file}"
                 f"{hint} → OK.", fix=FIX_SECURE_FILE)


def check_extension(found: Extension | None, e: Expected) -> CheckResult:
    if found is None:
        return _fail("extension", e, "It is not installed in the organization.",
                     f"Install it: open {MARKETPLACE.format(id=e.extension)} → Get it free → choose your "
                     "organization → Install (a Project Collection Administrator can do it; others can request it).",
                     fix=FIX_EXTENSION)
    if found.is_disabled:
        return _fail("extension", e, f"{found.name} is installed but disabled.",
                     f"Enable it: Organization settings → Extensions → {found.name} → Enable.")
    return _pass("extension", e, f"{found.name} {found.version}".strip())


def check_release(definitions: Sequence[ReleaseDefinition], connections: Sequence[ServiceConnection] | None,
                  e: Expected) -> CheckResult:
    """A release definition with an Azure ML model artifact (of DOCTOR_MODEL if set) whose service connection
    still exists (when the connections could be listed)."""
    found = [(d, a) for d in definitions for a in d.artifacts
             if a.is_azure_ml_model and (not e.model or a.model.lower() == e.model.lower())]
    if not found:
        model = e.model or "your model (the workshop's TinyYOLO)"
        connection = e.arm_connection or "your Azure Resource Manager connection to the workspace"
        return _fail("release", e, f"None of the {len(definitions)} release pipeline(s) has an Azure ML model artifact"
                     + (f" for {e.model}." if e.model else "."),
                     f"Pipelines → Releases → New pipeline (or Edit yours) → + Add an artifact → AzureML → Service "
                     f"endpoint {connection} → Model names {model} → Add → Save. (The AzureML type comes with the "
                     f"extension {e.extension}.)")
    known = {c.id.lower() for c in connections} if connections is not None else None
    intact = [(d, a) for d, a in found if known is None or a.connection_id.lower() in known]
    if not intact:
        definition, artifact = found[0]
        return _fail("release", e, f"{definition.name}: the artifact {artifact.alias} uses the service connection "
                     f"{artifact.connection_name or artifact.connection_id}, which no longer exists.",
                     f"Pipelines → Releases → {definition.name} → Edit → artifact {artifact.alias} → choose an "
                     "existing Azure Resource Manager connection to the workspace → Save.")
    definition, artifact = intact[0]
    return _pass("release", e, f"{definition.name}: model {artifact.model} through {artifact.connection_name}")


def finalise(results: dict[str, CheckResult], e: Expected) -> list[CheckResult]:
    """In display order; items that need a missing project or team say so instead of a confusing error."""
    ordered = []
    project_missing = results.get("project") is not None and results["project"].state == "fail"
    team_missing = results.get("team") is not None and results["team"].state == "fail"
    for key in ORDER:
        view = results.get(key) or pending(key, e)
        if project_missing and key in NEEDS_PROJECT:
            view = replace(view, state="error", detail=f"Not checked: project {e.project} does not exist.",
                           reason="", next_step="Fix the project first (see above).")
        elif team_missing and key == "members":
            view = replace(view, state="error", detail=f"Not checked: team {e.team} does not exist.", reason="",
                           next_step="Fix the team first (see above).")
        ordered.append(view)
    return ordered
