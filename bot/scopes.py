"""Least privilege, written down: what each command, button and confirmed operation needs from Azure DevOps
(the scopes of a PAT, or of an Entra app acting for the bot) and from Azure.

Keyed by the registry's names (command names, card verbs, operation names); `python -m bot.docs` generates the
README's table from it, and tests/unit/test_scopes.py checks that every registered command, button and operation
is here, that each scope is one that the Azure DevOps REST 7.1 specification in reference/ names for the calls
listed (``<spec folder>:<operationId>``), that no scope is more than those calls need, and that whatever only reads
is given read scopes only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Needs:
    scopes: tuple[str, ...] = ()  # Azure DevOps scopes, least first
    calls: tuple[str, ...] = ()  # the Azure DevOps REST operations behind them, "<spec folder>:<operationId>"
    azure: str = ""  # what it needs outside Azure DevOps
    note: str = ""


# Reads and writes that every turn makes before any command runs: who is an admin (the team's admins, or ADMIN_GROUP's
# members, as Entra object ids) and, for /readyz, that the project answers.
EVERY_TURN = Needs(
    scopes=("vso.project", "vso.graph"),
    calls=("core:Teams_Get Team Members With Extended Properties", "core:Projects_Get", "graph:Users_Get",
           "graph:Groups_List", "graph:Memberships_List"),
)

# The service hook receiver (/api/devops/events) reads each event's facts back before it posts a card.
SERVICE_HOOK_EVENTS = Needs(
    scopes=("vso.build", "vso.release"),
    calls=("build:Builds_Get", "release:Releases_Get Release Revision", "release:Approvals_List"),
)

AZURE_ML = "Azure ML: list and read models and the model's datastore with its secret (README: the role for models)"
_APPROVERS = ("graph:Users_Get", "graph:Memberships_List")  # whom a group approval waits for
_TEAM = ("core:Teams_Get Teams", "core:Teams_Get", "core:Teams_Get Team Members With Extended Properties")
_CONNECTIONS = ("serviceEndpoint:Endpoints_Get Service Endpoints By Names", "serviceEndpoint:Executionhistory_List",
                "serviceEndpoint:Endpointproxy_Query")
_PENDING = ("release:Approvals_List", "approvalsAndChecks:Approvals_Query", *_APPROVERS)
_DOCTOR = ("core:Projects_Get", *_TEAM, "git:Repositories_Get Repository", *_CONNECTIONS,
           "taskAgent:SecureFiles_Query", "extensionManagement:Installed Extensions_List",
           "release:Definitions_List")

NEEDS: dict[str, Needs] = {
    # General: nothing beyond every turn's reads
    "help": Needs(), "help.command": Needs(), "whoami": Needs(), "cancel": Needs(),
    "signin": Needs(note="the OAuth connection's token service, not Azure DevOps"),
    "signout": Needs(note="the OAuth connection's token service, not Azure DevOps"),
    "confirm.yes": Needs(note="what the confirmed operation needs (below)"),
    "confirm.cancel": Needs(),
    "audit": Needs(note="the bot's own store"),
    # Repositories
    "repos": Needs(("vso.code",), ("git:Repositories_List",)),
    "repos.more": Needs(("vso.code",), ("git:Repositories_List",)),
    "repo create": Needs(("vso.code",), ("git:Repositories_Get Repository",)),
    "repo.create": Needs(("vso.code_manage",), ("git:Repositories_Create", "git:Repositories_Get Repository")),
    "repo import": Needs(("vso.code",), ("git:Repositories_Get Repository",)),
    "repo.import": Needs(
        ("vso.project", "vso.code_manage", "vso.serviceendpoint_manage"),
        ("core:Projects_Get", "git:Repositories_Create", "git:Repositories_Get Repository",
         "git:Import Requests_Create", "git:Import Requests_Query", "git:Import Requests_Get",
         "serviceEndpoint:Endpoints_Create", "serviceEndpoint:Endpoints_Get Service Endpoints By Names",
         "serviceEndpoint:Endpoints_Get", "serviceEndpoint:Endpoints_Delete"),
        note="the service connection only for a source that needs credentials"),
    # People
    "team": Needs(("vso.project", "vso.memberentitlementmanagement"),
                  (*_TEAM, "memberEntitlementManagement:User Entitlements_Search User Entitlements")),
    "team.more": Needs(("vso.project", "vso.memberentitlementmanagement"),
                       (*_TEAM, "memberEntitlementManagement:User Entitlements_Search User Entitlements")),
    "onboard": Needs(("vso.project", "vso.memberentitlementmanagement"),
                     (*_TEAM, "memberEntitlementManagement:User Entitlements_Search User Entitlements")),
    "people.onboard": Needs(("vso.memberentitlementmanagement_write", "vso.graph_manage"),
                            ("memberEntitlementManagement:User Entitlements_Add", "graph:Descriptors_Get",
                             "graph:Memberships_Add")),
    # Connections and setup
    "connections": Needs(("vso.serviceendpoint_query",), _CONNECTIONS),
    "connections.test": Needs(("vso.serviceendpoint_query",), _CONNECTIONS),
    "doctor": Needs(("vso.project", "vso.code", "vso.serviceendpoint_query", "vso.securefiles_read",
                     "vso.extension", "vso.release"), _DOCTOR, AZURE_ML),
    "doctor.run": Needs(("vso.project", "vso.code", "vso.serviceendpoint_query", "vso.securefiles_read",
                         "vso.extension", "vso.release"), _DOCTOR, AZURE_ML),
    "doctor.fix": Needs(),
    "setup.extension": Needs(("vso.extension_manage",),
                             ("extensionManagement:Installed Extensions_Install Extension By Name",
                              "extensionManagement:Installed Extensions_List")),
    "setup.arm_connection": Needs(("vso.project", "vso.serviceendpoint_manage"),
                                  ("core:Projects_Get", "serviceEndpoint:Endpoints_Create",
                                   "serviceEndpoint:Endpoints_Get Service Endpoints By Names")),
    "setup.secure_file": Needs(("vso.securefiles_manage",),
                               ("taskAgent:SecureFiles_Upload", "taskAgent:SecureFiles_Query")),
    # Models
    "models": Needs(azure=AZURE_ML), "models.more": Needs(azure=AZURE_ML),
    "model": Needs(azure=AZURE_ML), "model.show": Needs(azure=AZURE_ML),
    # Releases
    "pipelines": Needs(("vso.build",), ("pipelines:Pipelines_List", "pipelines:Runs_List",
                                        "approvalsAndChecks:Approvals_Query")),
    "pipelines.list": Needs(("vso.build",), ("pipelines:Pipelines_List", "pipelines:Runs_List",
                                             "approvalsAndChecks:Approvals_Query")),
    "releases": Needs(("vso.release",), ("release:Definitions_List", "release:Releases_List")),
    "releases.list": Needs(("vso.release",), ("release:Definitions_List", "release:Releases_List")),
    "release": Needs(("vso.release",), ("release:Releases_Get Release Revision",), AZURE_ML),
    "release.show": Needs(("vso.release",), ("release:Releases_Get Release Revision",), AZURE_ML),
    "approvals": Needs(("vso.release", "vso.build", "vso.graph"), _PENDING),
    "approvals.list": Needs(("vso.release", "vso.build", "vso.graph"), _PENDING),
    "approval.decide": Needs(("vso.release_manage", "vso.graph"),
                             ("release:Approvals_List", "release:Approvals_Update", *_APPROVERS),
                             note="with OAUTH_CONNECTION_NAME the person's own token decides"),
    "run_approval.decide": Needs(("vso.build_execute", "vso.graph"),
                                 ("approvalsAndChecks:Approvals_Get", "approvalsAndChecks:Approvals_Update",
                                  *_APPROVERS), note="with OAUTH_CONNECTION_NAME the person's own token decides"),
    "approvals.approve_all": Needs(("vso.release_manage", "vso.build_execute", "vso.graph"),
                                   (*_PENDING, "release:Approvals_Update", "approvalsAndChecks:Approvals_Update"),
                                   note="with OAUTH_CONNECTION_NAME the person's own token decides"),
    "deploy": Needs(("vso.release",), ("release:Releases_Get Release Revision",)),
    "redeploy": Needs(("vso.release",), ("release:Releases_Get Release Revision",)),
    "release.redeploy": Needs(("vso.release",), ("release:Releases_Get Release Revision",)),
    "release.deploy": Needs(("vso.release_execute",), ("release:Releases_Get Release Environment",
                                                       "release:Releases_Update Release Environment"),
                            note="with OAUTH_CONNECTION_NAME the person's own token deploys"),
    # Notifications
    "digest now": Needs(("vso.build", "vso.release"),
                        ("build:Builds_List", "release:Releases_List", "release:Approvals_List",
                         "approvalsAndChecks:Approvals_Query"), AZURE_ML),
    "digest daily": Needs(note="the bot's own store; the digest it sends reads as digest now"),
    "digest weekdays": Needs(note="the bot's own store; the digest it sends reads as digest now"),
    "digest off": Needs(note="the bot's own store"),
    "digest status": Needs(note="the bot's own store"),
    "subscribe": Needs(("vso.build", "vso.release", "vso.hooks_write"),
                       ("pipelines:Pipelines_List", "release:Definitions_List", "release:Definitions_Get",
                        "hooks:Subscriptions_Create")),
    "subscriptions": Needs(("vso.hooks",), ("hooks:Subscriptions_Get",)),
    "subscriptions.list": Needs(("vso.hooks",), ("hooks:Subscriptions_Get",)),
    "unsubscribe": Needs(("vso.hooks_write",), ("hooks:Subscriptions_Get", "hooks:Subscriptions_Delete")),
}

# Scopes that include others (learn.microsoft.com, "Azure DevOps OAuth scopes"): a PAT with the key can do all of
# the values.
INCLUDES: dict[str, tuple[str, ...]] = {
    "vso.code_manage": ("vso.code_write", "vso.code"), "vso.code_write": ("vso.code",),
    "vso.build_execute": ("vso.build",),
    "vso.release_manage": ("vso.release_execute", "vso.release"), "vso.release_execute": ("vso.release",),
    "vso.graph_manage": ("vso.graph",),
    "vso.memberentitlementmanagement_write": ("vso.memberentitlementmanagement",),
    "vso.serviceendpoint_manage": ("vso.serviceendpoint_query", "vso.serviceendpoint"),
    "vso.serviceendpoint_query": ("vso.serviceendpoint",),
    "vso.extension_manage": ("vso.extension",),
    "vso.securefiles_manage": ("vso.securefiles_write", "vso.securefiles_read"),
    "vso.securefiles_write": ("vso.securefiles_read",),
    "vso.hooks_write": ("vso.hooks",),
    "vso.project_manage": ("vso.project_write", "vso.project"), "vso.project_write": ("vso.project",),
}

# Calls whose scopes the specification in reference/ does not give (or gives wrongly): the scopes from the Azure
# DevOps OAuth scopes table and the operation's reference page, with the method.
NOT_IN_SPEC: dict[str, tuple[str, tuple[str, ...]]] = {
    "taskAgent:SecureFiles_Query": ("GET", ("vso.securefiles_read",)),
    "taskAgent:SecureFiles_Upload": ("POST", ("vso.securefiles_manage",)),
    # the spec lists vso.work/vso.build/vso.code for every subscription call; the scopes table has vso.hooks(_write)
    "hooks:Subscriptions_Get": ("GET", ("vso.hooks",)),
    "hooks:Subscriptions_Create": ("POST", ("vso.hooks_write",)),
    "hooks:Subscriptions_Delete": ("DELETE", ("vso.hooks_write",)),
}

WRITE_SUFFIXES = ("_write", "_manage", "_execute")


def is_read_scope(scope: str) -> bool:
    return not scope.endswith(WRITE_SUFFIXES)


def needs_of(name: str) -> Needs | None:
    return NEEDS.get(name)
