"""The Azure Resource Manager origin (HTTPS): token -> api-version -> route -> role -> handler, in ARM's words."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web
from multidict import CIMultiDict

from . import arm_auth, arm_routes
from .errors import ArmError, arm_headers, bad_request

if TYPE_CHECKING:
    from ..http.pipeline import Call
    from .service import AzureML

#: The Microsoft.MachineLearningServices api-versions the sandbox accepts (those azure-ai-ml 1.35 sends).
API_VERSIONS = (
    "2022-02-01-preview", "2022-05-01", "2022-10-01", "2022-10-01-preview", "2023-02-01-preview", "2023-04-01",
    "2023-04-01-preview", "2023-06-01-preview", "2023-08-01-preview", "2023-10-01", "2024-01-01-preview",
    "2024-04-01-preview", "2024-10-01-preview", "2025-01-01-preview", "2025-12-01",
)


def _api_version(query: CIMultiDict, location: str) -> str:
    version = query.get("api-version")
    if not version:
        raise bad_request("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is "
                          "required for all requests.")
    if version not in API_VERSIONS:
        raise bad_request("NoRegisteredProviderFound", f"No registered resource provider found for location "
                          f"'{location}' and API version '{version}' for type 'workspaces'. The supported "
                          f"api-versions are '{', '.join(API_VERSIONS)}'.")
    return version


def make_answer(azureml: AzureML):
    """The ARM origin's answer for the sandbox pipeline."""
    async def answer(call: Call, method: str) -> web.StreamResponse:
        try:
            return await _answer(azureml, call, method)
        except ArmError as error:
            return error.to_response()
    return answer


async def _answer(azureml: AzureML, call: Call, method: str) -> web.StreamResponse:
    sandbox, request = call.sandbox, call.request
    try:
        world = await azureml.world_ready()
    except (RuntimeError, TimeoutError) as exc:
        raise ArmError(500, "InternalServerError", f"The sandbox's Azure ML is not available: {exc}") from None
    claims = arm_auth.authenticate(request.headers.get("Authorization"), azureml.signer, now=sandbox.clock.now(),
                                   tenant_id=world.tenant_id, arm_origin=azureml.arm_origin,
                                   authority=f"{azureml.authority}/{world.tenant_id}")
    query = CIMultiDict(request.query)
    _api_version(query, world.location)
    path = request.path
    found = arm_routes.resolve(method, path)
    if found is None:
        if arm_routes.path_is_served(path):
            raise arm_routes.method_not_served(method)
        raise ArmError(404, "InvalidResourceType", f"The resource type could not be found for the path '{path}' "
                       "(the sandbox's Azure Resource Manager serves one Azure ML workspace).")
    target, values = found
    if request.body_exists:
        raw = await request.read()
        if raw.strip():
            try:
                json.loads(raw)
            except ValueError:
                raise bad_request("InvalidRequestContent", "The request content was invalid and could not be "
                                  "deserialized.") from None
    with sandbox.lock:
        call.check_current()  # a reset while the body was read: the call belongs to the old world
        world = azureml.world
        if values["sub"].lower() != world.subscription_id.lower():
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{values['sub']}' could not be found.")
        scope = (f"/subscriptions/{values['sub']}/resourceGroups/{values['rg']}/providers/"
                 f"Microsoft.MachineLearningServices/workspaces/{values['ws']}")
        arm_auth.authorize(world, claims, resource_group=values["rg"], action=target.action, scope=scope)
        if values["ws"].lower() != world.workspace_name.lower():
            raise ArmError(404, "ResourceNotFound", f"The Resource 'Microsoft.MachineLearningServices/workspaces/"
                           f"{values['ws']}' under resource group '{values['rg']}' was not found. For more details "
                           "please go to https://aka.ms/ARMResourceNotFoundFix")
        context = arm_routes.ArmContext(world=world, now=sandbox.clock.now(), values=values, query=query, path=path,
                                        arm_origin=azureml.arm_origin.rstrip("/"),
                                        blob_endpoint_suffix=azureml.blob_endpoint_suffix)
        body = target.handler(context)
    return web.Response(status=200, body=json.dumps(body).encode(), content_type="application/json",
                        charset="utf-8", headers=arm_headers())
