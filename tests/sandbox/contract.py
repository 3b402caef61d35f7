"""Which swagger definition each sandbox answer must match, and the fields the bot reads.

``CONTRACTS`` maps (method, path pattern) to (spec file, definition, is a collection). ``READS``
lists, per definition, the fields the bot reads: they are required in the schema, so a response
without one fails validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from tests.sandbox.swagger_schema import validator

READS: dict[str, dict[str, list[str]]] = {
    "core/core.json": {
        "TeamProjectReference": ["id", "name", "state", "url"],
        "TeamProject": ["id", "name", "defaultTeam", "url"],
        "WebApiTeam": ["id", "name", "projectId", "projectName"],
        "TeamMember": ["identity", "isTeamAdmin"],
        "IdentityRef": ["id", "displayName", "uniqueName", "descriptor"],
    },
    "git/git.json": {
        "GitRepository": ["id", "name", "project", "remoteUrl", "sshUrl", "webUrl", "size", "url"],
        "GitImportRequest": ["importRequestId", "status", "repository", "detailedStatus", "parameters"],
        "GitImportStatusDetail": ["currentStep", "allSteps"],
        "GitRef": ["name", "objectId"],
        "TeamProjectReference": ["id", "name"],
    },
    "graph/graph.json": {
        "GraphUser": ["descriptor", "displayName", "principalName", "originId", "origin", "mailAddress",
                      "subjectKind"],
        "GraphGroup": ["descriptor", "displayName", "principalName", "originId", "subjectKind"],
        "GraphMembership": ["containerDescriptor", "memberDescriptor"],
        "GraphStorageKeyResult": ["value"],
        "GraphDescriptorResult": ["value"],
    },
    "memberEntitlementManagement/memberEntitlementManagement.json": {
        "UserEntitlementsPostResponse": ["isSuccess", "operationResult"],
        "UserEntitlementOperationResult": ["isSuccess", "errors"],
        "UserEntitlement": ["id", "user", "accessLevel", "projectEntitlements"],
        "AccessLevel": ["accountLicenseType", "licenseDisplayName", "status"],
        "GraphUser": ["descriptor", "principalName", "originId", "displayName"],
        "PagedGraphMemberList": ["members"],
    },
    "serviceEndpoint/serviceEndpoint.json": {
        "ServiceEndpoint": ["id", "name", "type", "url", "authorization", "isReady", "data"],
        "EndpointAuthorization": ["scheme", "parameters"],
        "ServiceEndpointRequestResult": ["statusCode", "errorMessage", "result"],
        "ServiceEndpointExecutionRecord": ["data", "endpointId"],
        "ServiceEndpointExecutionData": ["result", "planType", "definition", "startTime", "finishTime"],
    },
    "extensionManagement/extensionManagement.json": {
        "InstalledExtension": ["publisherId", "extensionId", "extensionName", "publisherName", "version",
                               "installState"],
    },
    "release/release.json": {
        "ReleaseDefinition": ["id", "name", "url", "path"],
        "ReleaseDefinitionEnvironment": ["id", "name", "rank", "preDeployApprovals", "conditions"],
        "Artifact": ["alias", "type", "definitionReference", "isPrimary"],
        "ReleaseDefinitionApprovals": ["approvals", "approvalOptions"],
        "ApprovalOptions": ["releaseCreatorCanBeApprover"],
        "ReleaseDefinitionApprovalStep": ["rank", "isAutomated"],
        "Release": ["id", "name", "status", "createdOn", "createdBy", "releaseDefinition", "description"],
        "ReleaseEnvironment": ["id", "name", "status", "rank", "preDeployApprovals", "deploySteps", "releaseId",
                               "preApprovalsSnapshot"],
        "ReleaseApproval": ["id", "status", "approver", "release", "releaseEnvironment", "releaseDefinition",
                            "createdOn", "modifiedOn", "attempt", "comments", "approvalType"],
        "DeploymentAttempt": ["attempt", "status", "queuedOn", "lastModifiedOn", "releaseDeployPhases"],
        "ReleaseDeployPhase": ["status", "startedOn"],
        "ReleaseShallowReference": ["id", "name"],
        "ReleaseEnvironmentShallowReference": ["id", "name"],
    },
    "pipelines/pipelines.json": {
        "Pipeline": ["id", "name", "folder", "url"],
        "Run": ["id", "name", "state", "createdDate", "pipeline", "url"],
    },
    "build/build.json": {
        "Build": ["id", "buildNumber", "status", "definition", "queueTime", "url", "_links", "sourceBranch",
                  "requestedFor"],
        "DefinitionReference": ["id", "name"],
    },
    "approvalsAndChecks/pipelinesapproval.json": {
        "Approval": ["id", "status", "createdOn", "lastModifiedOn", "minRequiredApprovers", "instructions",
                     "pipeline"],
        "ApprovalStep": ["assignedApprover", "status", "initiatedOn", "order"],
    },
    "hooks/serviceHooks.json": {
        "Subscription": ["id", "status", "publisherId", "eventType", "consumerId", "consumerActionId",
                         "publisherInputs", "consumerInputs", "createdBy", "createdDate"],
        "Notification": ["id", "subscriptionId", "eventId", "status", "result", "details"],
        "NotificationDetails": ["requestAttempts"],
        "Publisher": ["id", "name", "supportedEvents"],
        "EventTypeDescriptor": ["id", "name", "publisherId"],
    },
    "distributedTask/taskAgent.json": {
        "SecureFile": ["id", "name", "createdOn"],
        "EnvironmentInstance": ["id", "name", "createdOn"],
    },
}

_ID = r"[^/]+"
CONTRACTS: list[tuple[str, re.Pattern, str, str, bool]] = [
    (m, re.compile(p + r"/?$", re.IGNORECASE), spec, definition, many)
    for m, p, spec, definition, many in [
        ("GET", r"/_apis/projects", "core/core.json", "TeamProjectReference", True),
        ("GET", rf"/_apis/projects/{_ID}", "core/core.json", "TeamProject", False),
        ("GET", rf"/_apis/projects/{_ID}/teams", "core/core.json", "WebApiTeam", True),
        ("GET", rf"/_apis/projects/{_ID}/teams/{_ID}", "core/core.json", "WebApiTeam", False),
        ("GET", rf"/_apis/projects/{_ID}/teams/{_ID}/members", "core/core.json", "TeamMember", True),
        ("GET", r"/_apis/git/repositories", "git/git.json", "GitRepository", True),
        ("GET", rf"/_apis/git/repositories/{_ID}", "git/git.json", "GitRepository", False),
        ("POST", r"/_apis/git/repositories", "git/git.json", "GitRepository", False),
        ("POST", rf"/_apis/git/repositories/{_ID}/importRequests", "git/git.json", "GitImportRequest", False),
        ("GET", rf"/_apis/git/repositories/{_ID}/importRequests", "git/git.json", "GitImportRequest", True),
        ("GET", rf"/_apis/git/repositories/{_ID}/importRequests/\d+", "git/git.json", "GitImportRequest", False),
        ("GET", rf"/_apis/git/repositories/{_ID}/refs", "git/git.json", "GitRef", True),
        ("GET", r"/_apis/Graph/Users", "graph/graph.json", "GraphUser", True),
        ("GET", rf"/_apis/Graph/Users/{_ID}", "graph/graph.json", "GraphUser", False),
        ("GET", r"/_apis/Graph/Groups", "graph/graph.json", "GraphGroup", True),
        ("GET", rf"/_apis/Graph/Groups/{_ID}", "graph/graph.json", "GraphGroup", False),
        ("PUT", rf"/_apis/Graph/Memberships/{_ID}/{_ID}", "graph/graph.json", "GraphMembership", False),
        ("GET", rf"/_apis/Graph/Memberships/{_ID}", "graph/graph.json", "GraphMembership", True),
        ("GET", rf"/_apis/Graph/StorageKeys/{_ID}", "graph/graph.json", "GraphStorageKeyResult", False),
        ("GET", rf"/_apis/Graph/Descriptors/{_ID}", "graph/graph.json", "GraphDescriptorResult", False),
        ("POST", r"/_apis/UserEntitlements", "memberEntitlementManagement/memberEntitlementManagement.json",
         "UserEntitlementsPostResponse", False),
        ("GET", r"/_apis/UserEntitlements", "memberEntitlementManagement/memberEntitlementManagement.json",
         "PagedGraphMemberList", False),
        ("GET", rf"/_apis/UserEntitlements/{_ID}", "memberEntitlementManagement/memberEntitlementManagement.json",
         "UserEntitlement", False),
        ("GET", r"/_apis/serviceendpoint/endpoints", "serviceEndpoint/serviceEndpoint.json", "ServiceEndpoint", True),
        ("GET", rf"/_apis/serviceendpoint/endpoints/{_ID}", "serviceEndpoint/serviceEndpoint.json",
         "ServiceEndpoint", False),
        ("PUT", rf"/_apis/serviceendpoint/endpoints/{_ID}", "serviceEndpoint/serviceEndpoint.json",
         "ServiceEndpoint", False),
        ("POST", r"/_apis/serviceendpoint/endpoints", "serviceEndpoint/serviceEndpoint.json", "ServiceEndpoint", False),
        ("POST", r"/_apis/serviceendpoint/endpointproxy", "serviceEndpoint/serviceEndpoint.json",
         "ServiceEndpointRequestResult", False),
        ("GET", rf"/_apis/serviceendpoint/{_ID}/executionhistory", "serviceEndpoint/serviceEndpoint.json",
         "ServiceEndpointExecutionRecord", True),
        ("GET", r"/_apis/ExtensionManagement/InstalledExtensions",
         "extensionManagement/extensionManagement.json", "InstalledExtension", True),
        ("GET", rf"/_apis/ExtensionManagement/InstalledExtensionsByName/{_ID}/{_ID}",
         "extensionManagement/extensionManagement.json", "InstalledExtension", False),
        ("POST", rf"/_apis/ExtensionManagement/InstalledExtensionsByName/{_ID}/{_ID}(/{_ID})?",
         "extensionManagement/extensionManagement.json", "InstalledExtension", False),
        ("GET", r"/_apis/distributedtask/securefiles", "distributedTask/taskAgent.json", "SecureFile", True),
        ("POST", r"/_apis/distributedtask/securefiles", "distributedTask/taskAgent.json", "SecureFile", False),
        ("GET", r"/_apis/Release/definitions", "release/release.json", "ReleaseDefinition", True),
        ("GET", r"/_apis/Release/definitions/\d+", "release/release.json", "ReleaseDefinition", False),
        ("PUT", r"/_apis/Release/definitions", "release/release.json", "ReleaseDefinition", False),
        ("GET", r"/_apis/pipelines", "pipelines/pipelines.json", "Pipeline", True),
        ("GET", r"/_apis/pipelines/\d+", "pipelines/pipelines.json", "Pipeline", False),
        ("GET", r"/_apis/pipelines/\d+/runs", "pipelines/pipelines.json", "Run", True),
        ("GET", r"/_apis/pipelines/\d+/runs/\d+", "pipelines/pipelines.json", "Run", False),
        ("GET", r"/_apis/build/builds", "build/build.json", "Build", True),
        ("GET", r"/_apis/pipelines/approvals", "approvalsAndChecks/pipelinesapproval.json", "Approval", True),
        ("GET", rf"/_apis/pipelines/approvals/{_ID}", "approvalsAndChecks/pipelinesapproval.json", "Approval", False),
        ("PATCH", r"/_apis/pipelines/approvals", "approvalsAndChecks/pipelinesapproval.json", "Approval", True),
        ("GET", r"/_apis/distributedtask/environments", "distributedTask/taskAgent.json", "EnvironmentInstance", True),
        ("GET", r"/_apis/distributedtask/environments/\d+", "distributedTask/taskAgent.json", "EnvironmentInstance",
         False),
        ("GET", r"/_apis/Release/releases", "release/release.json", "Release", True),
        ("GET", r"/_apis/Release/releases/\d+", "release/release.json", "Release", False),
        ("POST", r"/_apis/Release/releases", "release/release.json", "Release", False),
        ("GET", r"/_apis/Release/releases/\d+/environments/\d+", "release/release.json", "ReleaseEnvironment", False),
        ("PATCH", r"/_apis/Release/releases/\d+/environments/\d+", "release/release.json", "ReleaseEnvironment",
         False),
        ("GET", r"/_apis/Release/approvals", "release/release.json", "ReleaseApproval", True),
        ("PATCH", r"/_apis/Release/approvals/\d+", "release/release.json", "ReleaseApproval", False),
        ("GET", r"/_apis/build/Builds/\d+", "build/build.json", "Build", False),
        ("GET", r"/_apis/hooks/publishers", "hooks/serviceHooks.json", "Publisher", True),
        ("GET", rf"/_apis/hooks/publishers/{_ID}", "hooks/serviceHooks.json", "Publisher", False),
        ("GET", rf"/_apis/hooks/publishers/{_ID}/eventTypes", "hooks/serviceHooks.json", "EventTypeDescriptor", True),
        ("GET", rf"/_apis/hooks/publishers/{_ID}/eventTypes/{_ID}", "hooks/serviceHooks.json", "EventTypeDescriptor",
         False),
        ("POST", r"/_apis/hooks/subscriptions", "hooks/serviceHooks.json", "Subscription", False),
        ("GET", r"/_apis/hooks/subscriptions", "hooks/serviceHooks.json", "Subscription", True),
        ("GET", rf"/_apis/hooks/subscriptions/{_ID}", "hooks/serviceHooks.json", "Subscription", False),
        ("PUT", rf"/_apis/hooks/subscriptions/{_ID}", "hooks/serviceHooks.json", "Subscription", False),
        ("GET", rf"/_apis/hooks/subscriptions/{_ID}/notifications", "hooks/serviceHooks.json", "Notification", True),
        ("GET", rf"/_apis/hooks/subscriptions/{_ID}/notifications/\d+", "hooks/serviceHooks.json", "Notification",
         False),
    ]
]


@cache
def schema_for(spec: str, definition: str) -> Draft202012Validator:
    return validator(spec, definition, READS.get(spec, {}))


@dataclass
class Exchange:
    method: str
    url: str
    status: int
    body: object

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def contract_for(method: str, path: str) -> tuple[str, str, bool] | None:
    for wanted, pattern, spec, definition, many in CONTRACTS:
        if wanted == method and pattern.search(path):
            return spec, definition, many
    return None


def violations(exchange: Exchange) -> list[str]:
    """Why ``exchange``'s body does not match its swagger definition (empty when it does)."""
    found = contract_for(exchange.method, exchange.path)
    if found is None:
        return [f"no contract for {exchange.method} {exchange.path}"]
    spec, definition, many = found
    schema = schema_for(spec, definition)
    body = exchange.body
    if many:
        if not (isinstance(body, dict) and set(body) == {"count", "value"} and isinstance(body["value"], list)):
            return [f"{exchange.method} {exchange.path}: not a {{count, value}} collection"]
        items = body["value"]
    else:
        items = [body]
    return [f"{exchange.method} {exchange.path} ({definition}): {error.json_path}: {error.message}"
            for item in items for error in schema.iter_errors(item)]
