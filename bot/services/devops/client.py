"""Azure DevOps through the azure-devops SDK: authenticated, off the event loop, under the project's retry policy.

    devops = DevOpsClient.from_settings(settings)
    repos = await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True, what="list repos")
    repo = await devops.call(lambda c: c.git.create_repository(options, devops.project), idempotent=False,
                             verify=lambda: devops.find(lambda c: c.git.get_repository(name, devops.project)),
                             what="create repo")
    raw = await devops.send_raw("graph", "GET", location_id, "7.1-preview.1", query={...}, idempotent=True)

* The SDK is synchronous (msrest + requests): every call runs in a small thread pool of its own, never on the
  event loop. azure.devops and azure.identity are imported on first use, so start-up stays fast.
* msrest's own retries are switched off on every SDK client (urllib3 ``Retry(0)``): the policy in retry.py is
  the only one, so one attempt is one HTTP request (it retries 429 with Retry-After, POSTs only after a check).
* Failures come back as the bot's expected errors (bot.errors) with their ``answer`` (status, type key) set:
  400 InvalidInput, 403 NotAllowed, 404 NotFound, 409 AlreadyExists, 401/bad token ServiceUnavailable
  ("the bot's credentials"), 429/5xx/timeouts/dropped connections ServiceUnavailable; every one with a next
  step (a 404 names AZURE_DEVOPS_PROJECT/AZURE_DEVOPS_TEAM, a 403 the bot's identity).
  Credentials inside URLs never reach a message (bot.redaction; SDK request logs too).
* Auth: AZURE_DEVOPS_PAT as basic auth, or an Entra token (scope 499b84ac-.../.default) from azure-identity:
  AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, else the environment's other credentials (certificate,
  workload identity), else a managed identity. The token is refreshed five minutes before it expires.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from msrest.authentication import Authentication, BasicAuthentication

from bot import telemetry
from bot.errors import (
    AlreadyExists,
    InvalidInput,
    NotAllowed,
    NotFound,
    ServiceAnswer,
    ServiceUnavailable,
    UserFacingError,
)
from bot.redaction import scrub_logger, scrub_secrets
from bot.retry_after import header, parse_retry_after
from bot.services.retry import Failure, GaveUp, RetryPolicy, Tries
from bot.services.workers import in_worker

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
TOKEN_REFRESH_MARGIN_S = 300
DEFAULT_TIMEOUT_S = 15.0
_STATUS_IN_TEXT = re.compile(r"Operation returned a (\d{3}) status code")

# name -> (factory method on ClientFactoryV7_1)
_CLIENTS = {
    "core": "get_core_client",
    "git": "get_git_client",
    "graph": "get_graph_client",
    "entitlements": "get_member_entitlement_management_client",
    "service_endpoints": "get_service_endpoint_client",
    "task_agent": "get_task_agent_client",
    "extensions": "get_extension_management_client",
    "release": "get_release_client",
    "location": "get_location_client",
    "pipelines": "get_pipelines_client",
    "service_hooks": "get_service_hooks_client",
    "build": "get_build_client",
}


class EntraTokenAuthentication(Authentication):
    """msrest Authentication with a bearer token from an azure-identity credential, refreshed before expiry."""

    def __init__(self, credential: Any, scope: str = AZURE_DEVOPS_SCOPE, clock: Callable[[], float] = time.time,
                 margin_s: float = TOKEN_REFRESH_MARGIN_S) -> None:
        super().__init__()
        self._credential = credential
        self._scope = scope
        self._clock = clock
        self._margin = margin_s
        self._token: str = ""
        self._expires_on: float = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if not self._token or self._expires_on - self._clock() < self._margin:
                access = self._credential.get_token(self._scope)
                self._token, self._expires_on = access.token, float(access.expires_on)
            return self._token

    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        session.headers["Authorization"] = f"Bearer {self.token()}"
        return session


def entra_credential(settings: Settings) -> Any:
    """The azure-identity credential the settings describe (imported here, on first use)."""
    from azure.identity import (
        ChainedTokenCredential,
        ClientSecretCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
    )

    secret = settings.azure_client_secret.get_secret_value()
    if secret:
        return ClientSecretCredential(settings.azure_tenant_id, settings.azure_client_id, secret)
    managed = ManagedIdentityCredential(client_id=settings.azure_client_id or None)
    return ChainedTokenCredential(EnvironmentCredential(), managed)


def authentication_for(settings: Settings) -> Authentication:
    pat = settings.devops_pat.get_secret_value()
    if pat:
        return BasicAuthentication("", pat)
    return EntraTokenAuthentication(entra_credential(settings))


def _harden(sdk_client: Any, timeout_s: float) -> Any:
    """No msrest/urllib3 retries (ours only), a request timeout, and the HTTP status and headers kept on errors."""
    from urllib3 import Retry

    no_retries = Retry(total=0, read=False, redirect=0, raise_on_status=False)
    no_retries.BACKOFF_MAX = 0  # type: ignore[attr-defined]  # msrest logs this attribute (urllib3 1.x name)
    sdk_client.config.retry_policy.policy = no_retries
    # msrest keeps one requests.Session per thread, configured when it is made; the constructing thread's was
    # made already with the default retries: forget it, so every session is made with the policy above.
    driver = sdk_client._client.config.pipeline._sender.driver
    driver._session_mapping = threading.local()
    sdk_client.config.connection.timeout = timeout_s
    original = sdk_client._handle_error

    def handle_error(request: Any, response: Any) -> None:
        try:
            original(request, response)
        except Exception as exc:
            raise HttpAnswer(exc, response.status_code, dict(response.headers)) from exc

    sdk_client._handle_error = handle_error
    return sdk_client


class HttpAnswer(Exception):
    """An SDK error together with the HTTP answer behind it (msrest's errors drop the status and headers)."""

    def __init__(self, error: Exception, status: int, headers: dict[str, str]) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status
        self.headers = headers


_SDK_LOGGERS = ("azure.devops.client", "msrest.http_logger", "msrest.service_client", "msrest.pipeline")


def _scrub_sdk_logs() -> None:
    for name in _SDK_LOGGERS:
        scrub_logger(name)


def _connection_class() -> type:
    from azure.devops.connection import Connection
    from azure.devops.v7_1.location.location_client import LocationClient

    class HardenedConnection(Connection):
        """A Connection whose every client (the resource-area lookup's too) follows _harden."""

        timeout_s = DEFAULT_TIMEOUT_S

        def _get_client_instance(self, client_class: type) -> Any:
            return _harden(super()._get_client_instance(client_class), self.timeout_s)

        def _get_resource_areas(self, force: bool = False) -> Any:
            if self._resource_areas is None or force:
                location_client = _harden(LocationClient(self.base_url, self._creds), self.timeout_s)
                self._resource_areas = location_client.get_resource_areas() or []
            return self._resource_areas

    return HardenedConnection


class SdkClients:
    """The SDK's v7.1 clients, created on first use (inside the worker thread: creating one may call the server)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._lock = threading.Lock()
        self._made: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        with self._lock:
            if name not in self._made:
                self._made[name] = getattr(self.connection.clients_v7_1, _CLIENTS[name])()
            return self._made[name]

    core = property(lambda self: self.get("core"))
    git = property(lambda self: self.get("git"))
    graph = property(lambda self: self.get("graph"))
    entitlements = property(lambda self: self.get("entitlements"))
    service_endpoints = property(lambda self: self.get("service_endpoints"))
    task_agent = property(lambda self: self.get("task_agent"))
    extensions = property(lambda self: self.get("extensions"))
    release = property(lambda self: self.get("release"))
    location = property(lambda self: self.get("location"))
    pipelines = property(lambda self: self.get("pipelines"))
    service_hooks = property(lambda self: self.get("service_hooks"))
    build = property(lambda self: self.get("build"))


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON (None when empty)

    @property
    def continuation_token(self) -> str:
        return header(self.headers, "x-ms-continuationtoken") or ""


def to_failure(exc: BaseException) -> Failure | None:
    """An SDK/transport exception as a Failure, or None when it is not a failure of the call (a bug)."""
    from azure.devops.exceptions import AzureDevOpsAuthenticationError, AzureDevOpsServiceError
    from msrest.exceptions import AuthenticationError, ClientRequestError

    status: int | None = None
    retry_after: float | None = None
    if isinstance(exc, HttpAnswer):
        status, retry_after = exc.status, parse_retry_after(header(exc.headers))
        exc = exc.error
    message = scrub_secrets(str(getattr(exc, "message", "") or exc))
    if isinstance(exc, AzureDevOpsAuthenticationError | AuthenticationError):
        return Failure(message, status=status or 401, kind="auth")
    if isinstance(exc, AzureDevOpsServiceError):
        return Failure(message, status=status, kind="http", type_key=exc.type_key or "", retry_after=retry_after)
    if status is not None:
        return Failure(message, status=status, kind="http", retry_after=retry_after)
    if isinstance(exc, ClientRequestError):
        match = _STATUS_IN_TEXT.search(message)
        if match:
            return Failure(message, status=int(match.group(1)), kind="http", retry_after=retry_after)
        inner = getattr(exc, "inner_exception", None) or exc.__cause__
        import requests

        if isinstance(inner, requests.exceptions.Timeout):
            return Failure("Azure DevOps did not answer in time.", kind="timeout")
        if isinstance(inner, requests.exceptions.RequestException):
            return Failure("The connection to Azure DevOps failed.", kind="connection")
        return Failure(message, kind="connection")
    try:
        from azure.core.exceptions import ClientAuthenticationError
    except ImportError:  # pragma: no cover - azure-core is a dependency of azure-identity
        return None
    if isinstance(exc, ClientAuthenticationError):
        return Failure("The bot could not get an Entra token for Azure DevOps.", kind="auth")
    return None


PROJECT_MISSING_TYPE_KEY = "ProjectDoesNotExistWithNameException"  # TF200016


def project_missing(error: UserFacingError | Failure) -> bool:
    """Whether a 404 says the configured project itself does not exist (not just the thing asked for)."""
    answer = error.answer if isinstance(error, UserFacingError) else ServiceAnswer(error.status, error.type_key)
    return answer.status == 404 and (answer.type_key == PROJECT_MISSING_TYPE_KEY or "TF200016" in error.message)


def _bot_identity() -> str:
    return ("the identity the bot uses in Azure DevOps (the owner of AZURE_DEVOPS_PAT, or the Entra app "
            "AZURE_CLIENT_ID / the bot's managed identity)")


def next_step_for(failure: Failure, *, doing: str = "", project: str = "", team: str = "") -> str:
    """What to do about an answer of Azure DevOps that is not an accident (400/403/404/409 and other 4xx)."""
    status = failure.status
    if status == 404 and project_missing(failure):
        return (f"AZURE_DEVOPS_PROJECT is set to '{project}', and the organization has no project of that name. "
                "Set it to the workshop's project (the name after the organization in the portal's address), "
                "restart the bot, then type doctor to check the whole setup.")
    if status == 404:
        return ("Check the name you gave. If it is right, check that AZURE_DEVOPS_PROJECT "
                f"('{project}') and AZURE_DEVOPS_TEAM ('{team}') name the workshop's project and team; type doctor "
                "to check the whole setup.")
    if status == 409:
        return ("Something with that name exists already, or it changed meanwhile: look at it in Azure DevOps, "
                "then choose another name or try again.")
    if status == 403:
        return (f"Give {_bot_identity()} the permission{doing} (an organization or project administrator can: "
                "Project settings → Permissions, or Organization settings → Users), or do it in the portal.")
    return ("Azure DevOps did not accept the request: check the names and values you gave, then try again. If it "
            "keeps happening, type doctor to check the setup.")


def to_user_error(failure: Failure, gave_up: GaveUp | None = None, what: str = "", *, project: str = "",
                  team: str = "", unsure: bool = False, person: str = "") -> UserFacingError:
    """The card-ready error for a failed call, always with a next step; its ``answer`` keeps the status, the
    service's error type and Retry-After for handlers that look closer. ``project`` and ``team`` (the configured
    ones) make the next step for a 404 exact. ``unsure``: a write whose last answer was lost and whose effect could
    not be read either; the card says so instead of "nothing was done"."""
    doing = f" ({what})" if what else ""
    status = failure.status
    answer = ServiceAnswer(status, failure.type_key, failure.retry_after)
    error: UserFacingError
    if person and (failure.kind == "auth" or status == 403):
        return _person_refused(failure, person, doing, answer)
    if failure.kind == "auth":
        error = ServiceUnavailable(
            "Azure DevOps did not accept the bot's credentials.",
            title="Azure DevOps refused the bot",
            next_step="An admin should check AZURE_DEVOPS_PAT (expired? scopes?) or the Entra identity the bot "
            "runs as (AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or its managed identity) and its access "
            "to the organization.", answer=answer)
    elif status == 429:
        wait = failure.retry_after
        error = ServiceUnavailable(
            f"Azure DevOps is throttling the bot right now{doing}.",
            title="Azure DevOps is busy",
            next_step=f"Try again in {round(wait)} seconds." if wait else "Try again in a minute.", answer=answer)
    elif failure.transient and unsure:
        error = ServiceUnavailable(
            f"Azure DevOps did not answer{doing}, and I could not check whether it took effect.",
            title="Not sure it was done",
            next_step="Look in a minute whether it is there, then try again only if it is not: the bot checks "
            "before it creates anything, so nothing is done twice.", answer=answer)
    elif failure.transient:
        reason = {"timeout": "did not answer in time", "connection": "could not be reached"}.get(
            failure.kind, f"answered {status}")
        error = ServiceUnavailable(
            f"Azure DevOps {reason}{doing}. Nothing more was done.",
            next_step="Try again in a minute. If it keeps failing, check https://status.dev.azure.com.",
            answer=answer)
    elif status is not None and 400 <= status < 500:
        step = next_step_for(failure, doing=doing, project=project, team=team)
        if status == 404:
            error = NotFound(failure.message, next_step=step, answer=answer)
        elif status == 409:
            error = AlreadyExists(failure.message, next_step=step, answer=answer)
        elif status == 403:
            error = NotAllowed(f"Azure DevOps does not let the bot's identity do this: {failure.message}",
                               next_step=step, answer=answer)
        else:
            error = InvalidInput(failure.message, next_step=step, answer=answer)
    else:
        error = ServiceUnavailable(f"Azure DevOps failed{doing}: {failure.message}",
                                   next_step="Try again in a minute. If it keeps failing, check "
                                   "https://status.dev.azure.com.", answer=answer)
    return error


def _person_refused(failure: Failure, person: str, doing: str, answer: ServiceAnswer) -> UserFacingError:
    """A call made with a person's own token that Azure DevOps refused: their sign-in, or their permission."""
    if failure.kind == "auth":
        return NotAllowed(f"Azure DevOps did not accept {person}'s sign-in{doing}.",
                          title="Azure DevOps refused your sign-in",
                          next_step="Type signout, then signin, and try again. If it keeps happening, your account "
                          "may not have access to the organization: ask a project administrator.", answer=answer)
    return NotAllowed(f"Azure DevOps does not let {person} do this: {failure.message}",
                      next_step="Ask a project administrator for the permission, or ask the person the approval "
                      "or stage is assigned to.", answer=answer)


class BearerToken(Authentication):
    """msrest Authentication with a person's own Entra access token (per-user sign-in), used as it is."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        session.headers["Authorization"] = f"Bearer {self._token}"
        return session


class DevOpsClient:
    """The bot's one way into Azure DevOps (see the module docstring)."""

    def __init__(self, org_url: str, project: str, team: str, authentication: Authentication, *,
                 policy: RetryPolicy | None = None, timeout_s: float = DEFAULT_TIMEOUT_S, max_workers: int = 16,
                 executor: ThreadPoolExecutor | None = None, person: str = "",
                 areas_from: DevOpsClient | None = None) -> None:
        self.org_url = org_url.rstrip("/")
        self.project = project
        self.team = team
        self.policy = policy or RetryPolicy()
        self.person = person  # whose own token this client calls with ("" = the bot's identity)
        self._auth = authentication
        self._timeout_s = timeout_s
        self._owns_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="azure-devops")
        self._clients: SdkClients | None = None
        self._clients_lock = threading.Lock()
        self._areas_from = areas_from

    def as_person(self, token: str, name: str) -> DevOpsClient:
        """The same organization and project, called with a person's own token (they are the actor Azure DevOps
        authorizes and records). Shares this client's threads and its resource-area lookup; kept for one
        action only, so the token is not held beyond it."""
        return DevOpsClient(self.org_url, self.project, self.team, BearerToken(token), policy=self.policy,
                            timeout_s=self._timeout_s, executor=self._executor, person=name or "you",
                            areas_from=self)

    @classmethod
    def from_settings(cls, settings: Settings, **kw: Any) -> DevOpsClient:
        return cls(settings.devops_org_url, settings.devops_project, settings.devops_team,
                   authentication_for(settings), **kw)

    # plumbing ---------------------------------------------------------------------------------------------
    def _sdk(self) -> SdkClients:
        with self._clients_lock:
            if self._clients is None:
                _scrub_sdk_logs()
                connection_class = _connection_class()
                connection = connection_class(base_url=self.org_url, creds=self._auth,
                                              user_agent="college-bot")
                connection.timeout_s = self._timeout_s
                known = self._areas_from._clients if self._areas_from is not None else None
                if known is not None and known.connection._resource_areas is not None:
                    connection._resource_areas = known.connection._resource_areas  # the same organization's
                self._clients = SdkClients(connection)
            return self._clients

    async def _in_thread(self, fn: Callable[[SdkClients], T]) -> T:
        return await in_worker(self._executor, lambda: fn(self._sdk()), to_failure)

    # the API ------------------------------------------------------------------------------------------------
    async def call(self, fn: Callable[[SdkClients], T], *, idempotent: bool,
                   verify: Callable[[], Awaitable[T | None]] | None = None, what: str = "",
                   policy: RetryPolicy | None = None) -> T:
        """Runs ``fn(clients)`` in a worker thread under the retry policy; failures become bot errors.

        ``idempotent=False`` (a create): the call is repeated only after ``verify()`` (which returns the created
        thing, or None) says the failed attempt did not take effect. ``policy`` overrides the client's (e.g. a
        shorter budget for lookups that happen on every turn).
        """
        what = what or "azure devops call"
        operation = telemetry.operation(what)  # without the names and numbers in ``what``
        with telemetry.span("azure_devops.call", operation=operation, idempotent=idempotent) as span:
            tries = Tries(span, backend="azure_devops", operation=operation)
            try:
                result = await (policy or self.policy).run(tries.counted(lambda: self._in_thread(fn)),
                                                           idempotent=idempotent, verify=verify, what=what)
            except GaveUp as exc:
                tries.ended("gave up", exc.last.status)
                log.warning("azure devops call gave up", extra={"what": what, "attempts": exc.attempts,
                                                                "status": exc.last.status, "reason": exc.reason})
                raise to_user_error(exc.last, exc, what, project=self.project, team=self.team,
                                    unsure=exc.unsure, person=self.person) from None
            except Failure as failure:
                tries.ended("failed", failure.status)
                log.info("azure devops call failed", extra={"what": what, "status": failure.status,
                                                            "type_key": failure.type_key})
                raise to_user_error(failure, None, what, project=self.project, team=self.team,
                                    person=self.person) from None
            tries.ended("ok", getattr(result, "status", None))
            return result

    async def find(self, fn: Callable[[SdkClients], T], *, what: str = "", of_project: bool = False) -> T | None:
        """Like call (idempotent), but a 404 answers None instead of raising: for ``verify`` and lookups.
        A 404 saying the configured project does not exist still raises (with its next step), unless the lookup
        is of the project itself (``of_project=True``)."""
        try:
            return await self.call(fn, idempotent=True, what=what)
        except NotFound as exc:
            if project_missing(exc) and not of_project:
                raise
            return None

    async def send_raw(self, client: str, method: str, location_id: str, version: str, *,
                       route_values: dict[str, Any] | None = None, query: dict[str, Any] | None = None,
                       content: Any = None, media_type: str = "application/json", idempotent: bool | None = None,
                       verify: Callable[[], Awaitable[RawResponse | None]] | None = None,
                       what: str = "") -> RawResponse:
        """An API call by location id through ``client._send`` (the SDK's own routing, auth and api-version
        negotiation) for what the SDK lacks or hides: response headers (x-ms-continuationtoken), raw bodies."""
        is_idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS") if idempotent is None \
            else idempotent

        def send(c: SdkClients) -> RawResponse:
            sdk_client = c.get(client)
            response = sdk_client._send(http_method=method.upper(), location_id=location_id, version=version,
                                        route_values=dict(route_values or {}), query_parameters=query,
                                        content=content, media_type=media_type)
            body = None
            if response.content:
                text = response.content.decode("utf-8-sig", errors="replace")
                import json

                try:
                    body = json.loads(text)
                except ValueError:
                    body = text
            return RawResponse(response.status_code, dict(response.headers), body)

        return await self.call(send, idempotent=is_idempotent, verify=verify, what=what or f"{method} {location_id}")

    async def close(self) -> None:
        if self._owns_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

