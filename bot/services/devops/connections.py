"""Service connections (service endpoints): list, last use from their execution history, a live TestConnection,
and a secret update; plus what a failed test means and what to do about it.

    connections = ServiceConnections(devops)
    for connection in await connections.list():
        verdict = await connections.test_within(connection, timeout_s=10)   # never raises
        last = await connections.last_execution(connection)

TestConnection is what the portal's "Verify" button does: ``execute_service_endpoint_request`` with the data
source ``TestConnection`` and the connection's non-secret details (the service fills in the stored secret).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from bot.errors import NotFound, UserFacingError
from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import ConnectionTest, Diagnosis, LastExecution, ServiceConnection, TestState

log = logging.getLogger(__name__)

TEST_CONNECTION = "TestConnection"


# ---- reading the SDK's models -------------------------------------------------------------------------------
def connection_web_url(org_url: str, project: str, endpoint_id: str) -> str:
    return f"{org_url.rstrip('/')}/{quote(project)}/_settings/adminservices?resourceId={endpoint_id}"


def from_endpoint(endpoint: Any, *, org_url: str = "", project: str = "") -> ServiceConnection:
    authorization = getattr(endpoint, "authorization", None)
    parameters = dict(getattr(authorization, "parameters", None) or {})
    endpoint_id = str(getattr(endpoint, "id", "") or "")
    return ServiceConnection(
        id=endpoint_id,
        name=getattr(endpoint, "name", "") or "",
        type=getattr(endpoint, "type", "") or "",
        scheme=getattr(authorization, "scheme", "") or "",
        is_ready=bool(getattr(endpoint, "is_ready", False)),
        url=getattr(endpoint, "url", "") or "",
        description=getattr(endpoint, "description", "") or "",
        web_url=connection_web_url(org_url, project, endpoint_id) if org_url and project else "",
        parameters={k: str(v) for k, v in parameters.items() if v is not None},
        data={k: str(v) for k, v in (getattr(endpoint, "data", None) or {}).items() if v is not None},
    )


def _web_link(owner: Any) -> str:
    links = getattr(owner, "_links", None)
    if links is None:
        return ""
    found = (getattr(links, "additional_properties", None) or {}).get("web") or (getattr(links, "links", None)
                                                                                 or {}).get("web")
    return (found or {}).get("href", "") if isinstance(found, dict) else ""


def from_execution_record(record: Any) -> LastExecution | None:
    data = getattr(record, "data", None)
    if data is None:
        return None
    definition = getattr(data, "definition", None)
    owner = getattr(data, "owner", None)
    return LastExecution(
        result=str(getattr(data, "result", "") or "unknown"),
        definition=getattr(definition, "name", "") or "",
        run=getattr(owner, "name", "") or "",
        finished=getattr(data, "finish_time", None) or getattr(data, "start_time", None),
        url=_web_link(owner),
    )


def from_test_result(result: Any, seconds: float) -> ConnectionTest:
    status = str(getattr(result, "status_code", "") or "")
    message = (getattr(result, "error_message", "") or "").strip()
    if status.lower() == "ok" and not message:
        return ConnectionTest(TestState.PASSED, status_code=status, seconds=seconds)
    return ConnectionTest(TestState.FAILED, message or f"TestConnection answered {status or 'no status'}.",
                          status_code=status, seconds=seconds)


# ---- what a failure means ---------------------------------------------------------------------------------------
_AADSTS = re.compile(r"AADSTS(\d+)")
PORTAL_CONNECTION = "Project settings → Service connections → {name} → Edit"


def diagnose(connection: ServiceConnection, test: ConnectionTest, *, timeout_s: float) -> Diagnosis | None:
    """Plain words and the next step for a test that did not pass (None when it passed)."""
    if test.passed:
        return None
    edit = PORTAL_CONNECTION.format(name=connection.name)
    if test.state is TestState.TIMED_OUT:
        return Diagnosis(
            f"TestConnection gave no verdict within {timeout_s:g} s.",
            f"Type connections again in a minute. If it keeps timing out, open {edit} → Verify in Azure DevOps "
            "to see the service's own answer.")
    if test.state is TestState.ERROR:
        return Diagnosis(f"The test could not be run: {test.message}",
                         test.advice or "Type connections again in a minute.")
    message = test.message
    code = _AADSTS.search(message)
    app = connection.service_principal_id or "the service principal's app"
    renew = (f"Renew the secret in Microsoft Entra ID: App registrations → the app with client ID {app} → "
             "Certificates & secrets → New client secret, and copy its Value. Then update the service "
             f"connection with it: {edit} → paste the new secret as Service principal key → Verify and save.")
    if code and code.group(1) == "7000222":
        return Diagnosis("The service principal's client secret has expired.", renew)
    if code and code.group(1) == "7000215":
        return Diagnosis(
            "The service connection holds a wrong client secret (often the secret's ID instead of its Value).",
            renew)
    if code and code.group(1) == "700016":
        return Diagnosis(
            f"The app {app} no longer exists in the tenant.",
            f"Create a service principal (App registrations → New registration, then Certificates & secrets → New "
            f"client secret), give it access to the subscription or workspace, then {edit} with its client ID "
            "and secret. Or create a new connection with Workload identity federation.")
    if code and code.group(1) == "90002":
        return Diagnosis("The connection names a tenant that does not exist.",
                         f"Fix the tenant ID: {edit} → Tenant ID (Entra ID → Overview → Tenant ID).")
    if connection.is_type("github") or "api.github.com" in message:
        return Diagnosis(
            "GitHub refused the connection's token (expired or revoked).",
            "Create a new GitHub personal access token (GitHub → Settings → Developer settings → Personal access "
            f"tokens, scopes repo, read:user, admin:repo_hook), then {edit} → paste it → Verify and save "
            "(or Authorize again for an OAuth connection).")
    if code:
        return Diagnosis(f"Entra ID refused the service principal (AADSTS{code.group(1)}).",
                         f"Check the service principal and its secret in Entra ID, then {edit} → Verify and save.")
    return Diagnosis("Azure DevOps could not use the connection.", f"Open {edit} → Verify to see the details.")


# ---- the adapter --------------------------------------------------------------------------------------------------
class ServiceConnections:
    """Service connections of the configured project, through the DevOpsClient."""

    def __init__(self, devops: DevOpsClient) -> None:
        self._devops = devops

    @property
    def project(self) -> str:
        return self._devops.project

    async def list(self) -> list[ServiceConnection]:
        endpoints = await self._devops.call(
            lambda c: c.service_endpoints.get_service_endpoints(self.project), idempotent=True,
            what="list service connections")
        connections = [from_endpoint(e, org_url=self._devops.org_url, project=self.project) for e in endpoints or []]
        return sorted(connections, key=lambda c: c.name.lower())

    async def last_execution(self, connection: ServiceConnection) -> LastExecution | None:
        records = await self._devops.call(
            lambda c: c.service_endpoints.get_service_endpoint_execution_records(self.project, connection.id, top=1),
            idempotent=True, what="read a service connection's history")
        return from_execution_record(records[0]) if records else None

    async def test(self, connection: ServiceConnection) -> ConnectionTest:
        """Runs TestConnection once (raises the bot's errors when Azure DevOps itself fails)."""
        from azure.devops.v7_1.service_endpoint.models import (
            DataSourceDetails,
            EndpointAuthorization,
            ServiceEndpointDetails,
            ServiceEndpointRequest,
        )

        request = ServiceEndpointRequest(
            data_source_details=DataSourceDetails(data_source_name=TEST_CONNECTION),
            service_endpoint_details=ServiceEndpointDetails(
                type=connection.type, url=connection.url, data=dict(connection.data),
                authorization=EndpointAuthorization(scheme=connection.scheme, parameters=dict(connection.parameters))),
        )
        started = time.perf_counter()
        # A TestConnection changes nothing, so it is safe to repeat after a 429/5xx.
        result = await self._devops.call(
            lambda c: c.service_endpoints.execute_service_endpoint_request(request, self.project, connection.id),
            idempotent=True, what=f"test service connection {connection.name}")
        return from_test_result(result, time.perf_counter() - started)

    async def test_within(self, connection: ServiceConnection, *, timeout_s: float,
                          time_up: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> ConnectionTest:
        """TestConnection with a time limit; never raises: a hang is TIMED_OUT, a failed call ERROR.

        The limit is over when ``time_up(timeout_s)`` returns (wall-clock by default; tests decide the moment)."""
        started = time.perf_counter()
        test = asyncio.ensure_future(self.test(connection))
        limit = asyncio.ensure_future(time_up(timeout_s))
        try:
            await asyncio.wait({test, limit}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            limit.cancel()
            timed_out = not test.done()
            if timed_out:
                test.cancel()
        if timed_out:
            log.info("TestConnection timed out", extra={"connection": connection.id, "timeout_s": timeout_s})
            return ConnectionTest(TestState.TIMED_OUT, f"No answer within {timeout_s:g} s.",
                                  seconds=time.perf_counter() - started)
        try:
            return test.result()
        except UserFacingError as exc:
            return ConnectionTest(TestState.ERROR, exc.message, seconds=time.perf_counter() - started,
                                  advice=exc.next_step)

    async def update_secret(self, connection_id: str, secret: str) -> ServiceConnection:
        """Gives a service-principal connection a new client secret (what the portal's Edit → Save does)."""
        endpoint = await self._devops.call(
            lambda c: c.service_endpoints.get_service_endpoint_details(self.project, connection_id), idempotent=True,
            what="read a service connection")
        if endpoint is None:
            raise NotFound(f"There is no service connection with id {connection_id}.")
        endpoint.authorization.parameters = {**(endpoint.authorization.parameters or {}),
                                             "serviceprincipalkey": secret}
        updated = await self._devops.call(
            lambda c: c.service_endpoints.update_service_endpoint(endpoint, connection_id), idempotent=True,
            what="update a service connection")
        return from_endpoint(updated, org_url=self._devops.org_url, project=self.project)
