"""Azure DevOps service hook subscriptions (webHooks consumer) that deliver events to the bot: what a ``subscribe``
asks for, resolved to Azure DevOps' ids and filters; creating, reading and deleting them.

Event types and their filters (publisherInputs) are the documented ones (learn.microsoft.com "Service hook events"):
classic release approvals (``rm`` ``ms.vss-release.deployment-approval-pending-event``) and YAML environment approvals
(``pipelines`` ``ms.vss-pipelinechecks-events.approval-pending``), classic deployments
(``ms.vss-release.deployment-completed-event``) and builds, YAML runs included (``tfs`` ``build.complete``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import InvalidInput, NotFound
from bot.services.devops.client import DevOpsClient
from bot.services.devops.projects import project_id
from bot.services.devops.releases import release_definitions

CONSUMER = "webHooks"
ACTION = "httpRequest"
APPROVAL_PENDING = "ms.vss-release.deployment-approval-pending-event"
DEPLOYMENT_COMPLETED = "ms.vss-release.deployment-completed-event"
BUILD_COMPLETE = "build.complete"
RUN_APPROVAL_PENDING = "ms.vss-pipelinechecks-events.approval-pending"
PUBLISHERS = {APPROVAL_PENDING: "rm", DEPLOYMENT_COMPLETED: "rm", BUILD_COMPLETE: "tfs",
              RUN_APPROVAL_PENDING: "pipelines"}
RESOURCE_VERSIONS = {"rm": "3.0-preview.1", "tfs": "2.0", "pipelines": "5.1-preview.1"}  # pinned (latest otherwise)
KINDS = ("approvals", "deployments", "builds")
REJECTED = "16"  # rm's releaseEnvironmentStatus for a failed deployment (the stage is "rejected")
MAX_DEFINITIONS = 1000


@dataclass(frozen=True)
class Planned:
    """One Azure DevOps subscription to make."""

    event_type: str
    inputs: dict[str, str]

    @property
    def publisher(self) -> str:
        return PUBLISHERS[self.event_type]


@dataclass(frozen=True)
class DevOpsSubscription:
    id: str
    status: str  # enabled | onProbation | disabledByUser | disabledBySystem | disabledByInactiveIdentity | missing


async def plan(devops: DevOpsClient, kind: str, definition: str = "", stage: str = "",
               failures_only: bool = False) -> list[Planned]:
    """The Azure DevOps subscriptions that deliver ``kind`` (filtered by a definition or pipeline name, a stage,
    failures only). Names are resolved to ids here; an unknown name or a filter the kind has not raises."""
    project = devops.project
    base = {"projectId": await project_id(devops)}
    if kind == "builds":
        if stage:
            raise InvalidInput("Builds have no stage to filter on.",
                               next_step='Type subscribe builds [definition "<pipeline>"] [failures only].')
        inputs = dict(base)
        if definition:
            pipelines = await devops.call(lambda c: c.pipelines.list_pipelines(project, top=MAX_DEFINITIONS) or [],
                                          idempotent=True, what="list pipelines")
            found = next((p for p in pipelines if p.name.lower() == definition.lower()), None)
            if found is None:
                raise NotFound(f"There is no pipeline called '{definition}' in {project}.",
                               next_step="Type pipelines to see their names.")
            inputs["definitionName"] = found.name
        if failures_only:
            inputs["buildStatus"] = "Failed"
        return [Planned(BUILD_COMPLETE, inputs)]
    if kind == "approvals" and failures_only:
        raise InvalidInput("'failures only' is for deployments and builds.",
                           next_step='Type subscribe approvals [definition "<name>"] [stage "<name>"].')
    releases: list[Any] = []
    pipelines: list[Any] = []
    if definition or stage:
        releases = await release_definitions(devops)
    if definition and kind == "approvals":
        pipelines = await devops.call(lambda c: c.pipelines.list_pipelines(project, top=MAX_DEFINITIONS) or [],
                                      idempotent=True, what="list pipelines")
    release = next((d for d in releases if d.name.lower() == definition.lower()), None) if definition else None
    pipeline = next((p for p in pipelines if p.name.lower() == definition.lower()), None)
    if definition and release is None and pipeline is None:
        raise NotFound(f"There is no release definition{' or pipeline' if kind == 'approvals' else ''} called "
                       f"'{definition}' in {project}.", next_step="Type releases or pipelines to see their names.")
    planned: list[Planned] = []
    if release is not None or not definition:
        inputs = dict(base)
        if release is not None:
            inputs["releaseDefinitionId"] = str(release.id)
        if stage:
            inputs["releaseEnvironmentId"] = await _stage_id(devops, release, releases, stage)
        if kind == "approvals":
            inputs["releaseApprovalType"] = "1"  # before the deployment (the ones the bot's cards decide)
            planned.append(Planned(APPROVAL_PENDING, inputs))
        else:
            if failures_only:
                inputs["releaseEnvironmentStatus"] = REJECTED
            planned.append(Planned(DEPLOYMENT_COMPLETED, inputs))
    if kind == "approvals" and (pipeline is not None or not definition) and not stage:
        inputs = dict(base)
        if pipeline is not None:
            inputs["pipelineId"] = str(pipeline.id)
        planned.append(Planned(RUN_APPROVAL_PENDING, inputs))
    return planned


async def _stage_id(devops: DevOpsClient, release: Any, releases: list[Any], stage: str) -> str:
    """The id of ``stage`` in the release definition (the only one when none is named)."""
    if release is None:
        if len(releases) != 1:
            raise InvalidInput("A stage belongs to a release definition: name it too.",
                               next_step='Type e.g. subscribe deployments definition "TinyYOLO to IoT Edge" '
                               'stage "Prod".')
        release = releases[0]
    project, definition_id = devops.project, release.id
    full = await devops.call(lambda c: c.release.get_release_definition(project, definition_id), idempotent=True,
                             what="read the release definition")
    found = next((e for e in full.environments or [] if e.name.lower() == stage.lower()), None)
    if found is None:
        names = ", ".join(e.name for e in full.environments or [])
        raise NotFound(f"{release.name} has no stage called '{stage}'.", next_step=f"Its stages: {names}.")
    return str(found.id)


async def create(devops: DevOpsClient, planned: list[Planned], url: str, user: str, secret: str) -> list[str]:
    """Makes the subscriptions (all or none: the ones made are deleted when a later one fails); their ids."""
    from azure.devops.v7_1.service_hooks.models import Subscription

    made: list[str] = []
    consumer_inputs = {"url": url, "basicAuthUsername": user, "basicAuthPassword": secret,
                       "resourceDetailsToSend": "all", "messagesToSend": "none", "detailedMessagesToSend": "none"}
    try:
        for item in planned:
            subscription = Subscription(publisher_id=item.publisher, event_type=item.event_type,
                                        resource_version=RESOURCE_VERSIONS[item.publisher], consumer_id=CONSUMER,
                                        consumer_action_id=ACTION, publisher_inputs=dict(item.inputs),
                                        consumer_inputs=dict(consumer_inputs))
            created = await devops.call(lambda c, s=subscription: c.service_hooks.create_subscription(s),
                                        idempotent=False, what="create a service hook subscription")
            made.append(str(created.id))
    except BaseException:
        await delete(devops, made)
        raise
    return made


async def read(devops: DevOpsClient, ids: tuple[str, ...]) -> list[DevOpsSubscription]:
    """Each subscription's status as Azure DevOps has it (``missing`` when it was deleted there)."""
    found: list[DevOpsSubscription] = []
    for subscription_id in ids:
        got = await devops.find(lambda c, i=subscription_id: c.service_hooks.get_subscription(i),
                                what="read a service hook subscription")
        found.append(DevOpsSubscription(subscription_id, str(got.status) if got is not None else "missing"))
    return found


async def delete(devops: DevOpsClient, ids: list[str] | tuple[str, ...]) -> None:
    """Deletes them in Azure DevOps (one deleted there already is fine)."""
    for subscription_id in ids:
        await devops.find(lambda c, i=subscription_id: c.service_hooks.delete_subscription(i),
                          what="delete a service hook subscription")
