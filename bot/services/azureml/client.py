"""Azure ML through azure-ai-ml's MLClient: authenticated, off the event loop, under the bot's retry policy.

    azureml = AzureMLClient.from_settings(settings)
    models = await azureml.call(lambda ml: list(ml.models.list()), what="list models")

* The SDK is synchronous: every call runs in a small thread pool of its own, never on the event loop; azure.ai.ml
  and azure.identity are imported on first use (they are heavy), so start-up stays fast.
* azure-core's own retries are switched off (``retry_total=0``): the policy in bot/services/retry.py is the only
  one (429 with Retry-After, 5xx, timeouts and dropped connections retried; answers never repeated).
* Any ARM cloud: AZUREML_ARM_ENDPOINT and AZURE_AUTHORITY_HOST (sovereign clouds, the sandbox). A private CA is
  trusted through the standard REQUESTS_CA_BUNDLE (azure-core and MSAL both read it).
* Identity: the service principal of the workshop's config.json when it has one (ClientSecretCredential), else
  AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID, else DefaultAzureCredential (managed identity, CLI, ...).
* Failures come back as the bot's expected errors with their next step: an expired or wrong secret names the
  service principal and where to renew it; a 403 names the role to grant; a 404 what was not found.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from bot import telemetry
from bot.azureml_config import WorkspaceConfig
from bot.errors import InvalidInput, NotAllowed, NotFound, ServiceAnswer, ServiceUnavailable, UserFacingError
from bot.redaction import scrub_secrets
from bot.retry_after import header, parse_retry_after
from bot.services.retry import Failure, GaveUp, RetryPolicy, Tries
from bot.services.workers import in_worker

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 30.0
_AADSTS = re.compile(r"AADSTS(\d+)")
PUBLIC_ARM = "https://management.azure.com"
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"


def cloud_name(arm_endpoint: str) -> str:
    """azure-ai-ml registers clouds by name, once per process: one name per ARM endpoint."""
    if arm_endpoint.rstrip("/") == PUBLIC_ARM:
        return "AzureCloud"
    return "CollegeBot-" + hashlib.sha256(arm_endpoint.encode()).hexdigest()[:10]


def to_failure(exc: BaseException) -> Failure | None:
    """An azure-core / azure-identity exception as a Failure, or None when it is not a failure of the call."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    message = scrub_secrets(str(getattr(exc, "message", "") or exc))
    if isinstance(exc, ClientAuthenticationError):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        return Failure(message, status=status or 401, kind="auth")
    if isinstance(exc, HttpResponseError):
        response = getattr(exc, "response", None)
        status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
        retry_after = parse_retry_after(header(getattr(response, "headers", None)))
        code = str(getattr(getattr(exc, "error", None), "code", "") or "")
        return Failure(message, status=status, kind="http", type_key=code, retry_after=retry_after)
    if isinstance(exc, ServiceResponseError):
        return Failure("Azure ML did not answer in time.", kind="timeout")
    if isinstance(exc, ServiceRequestError):
        return Failure("The connection to Azure ML failed.", kind="connection")
    return None


def _identity_step(failure: Failure, workspace: WorkspaceConfig) -> tuple[str, str]:
    """(what happened, what to do) when Entra or ARM refused the bot's identity."""
    app = workspace.client_id or "the bot's Azure identity"
    code = _AADSTS.search(failure.message)
    renew = (f"Renew the secret in Microsoft Entra ID: App registrations → the app with client ID {app} → "
             "Certificates & secrets → New client secret; put its Value in the workspace's config.json as "
             "service_principal_password (AZUREML_CONFIG), and restart the bot. The release pipeline's secure file "
             "config.json needs the new secret too.")
    if code and code.group(1) == "7000222":
        return "The service principal's client secret has expired.", renew
    if code and code.group(1) == "7000215":
        return "The service principal's client secret is wrong (often the secret's ID instead of its Value).", renew
    if code and code.group(1) in ("700016", "90002"):
        return (f"Entra ID does not know the service principal {app} or the tenant (AADSTS{code.group(1)}).",
                "Check tenant_id and service_principal_id in the workspace's config.json (AZUREML_CONFIG).")
    return ("Azure ML did not accept the bot's identity.",
            "Check the service principal in the workspace's config.json (AZUREML_CONFIG), or the bot's own Azure "
            "identity (AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID or its managed identity).")


def to_user_error(failure: Failure, workspace: WorkspaceConfig, what: str = "") -> UserFacingError:
    """The card-ready error for a failed Azure ML call, always with a next step."""
    doing = f" ({what})" if what else ""
    answer = ServiceAnswer(failure.status, failure.type_key, failure.retry_after)
    status = failure.status
    if failure.kind == "auth" or status == 401:
        said, step = _identity_step(failure, workspace)
        return ServiceUnavailable(f"{said} The service said: {failure.message}", title="Azure ML refused the bot",
                                  next_step=step, answer=answer)
    if status == 429:
        wait = failure.retry_after
        step = f"Try again in {round(wait)} seconds." if wait else "Try again in a minute."
        return ServiceUnavailable(f"Azure ML is throttling the bot right now{doing}.", title="Azure ML is busy",
                                  next_step=step, answer=answer)
    if failure.transient:
        reason = {"timeout": "did not answer in time", "connection": "could not be reached"}.get(
            failure.kind, f"answered {status}")
        return ServiceUnavailable(f"Azure ML {reason}{doing}. Nothing more was done.",
                                  next_step="Try again in a minute. If it keeps failing, check https://status.azure.com.",
                                  answer=answer)
    if status == 403:
        app = workspace.client_id or "the bot's Azure identity"
        return NotAllowed(f"Azure ML does not let {app} do this{doing}: {failure.message}",
                          next_step=f"Give {app} the AzureML Data Scientist role on the workspace "
                          f"{workspace.workspace_name} (Access control (IAM) → Add role assignment).", answer=answer)
    if status == 404:
        return NotFound(failure.message, next_step=f"Check the name. Type models to see what workspace "
                        f"{workspace.workspace_name} has.", answer=answer)
    return InvalidInput(f"Azure ML did not accept the request{doing}: {failure.message}",
                        next_step="Check the names you gave, then try again.", answer=answer)


class AzureMLClient:
    """The bot's one way into Azure ML (see the module docstring)."""

    def __init__(self, workspace: WorkspaceConfig, *, arm_endpoint: str = PUBLIC_ARM,
                 authority_host: str = PUBLIC_AUTHORITY, blob_endpoint: str = "", ca_bundle: str = "",
                 fallback_identity: tuple[str, str, str] = ("", "", ""), policy: RetryPolicy | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, max_workers: int = 4) -> None:
        self.workspace = workspace
        self.arm_endpoint = arm_endpoint.rstrip("/")
        self.authority_host = authority_host.rstrip("/")
        self.blob_endpoint = blob_endpoint.rstrip("/")
        # every azure-core client of this backend trusts this CA bundle (True: the system's)
        self.connection_verify: str | bool = ca_bundle or True
        self.policy = policy or RetryPolicy()
        self._fallback_identity = fallback_identity  # (tenant, client id, secret) from AZURE_* settings
        self._timeout_s = timeout_s
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="azure-ml")
        self._lock = threading.Lock()
        self._ml: Any = None
        self._credential: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureMLClient:
        workspace = settings.workspace()
        assert workspace is not None, "the backend is configured only when a workspace is named"
        return cls(workspace, arm_endpoint=settings.azureml_arm_endpoint, authority_host=settings.azure_authority_host,
                   blob_endpoint=settings.azureml_blob_endpoint, ca_bundle=settings.azure_ca_bundle,
                   fallback_identity=(settings.azure_tenant_id, settings.azure_client_id,
                                      settings.azure_client_secret.get_secret_value()))

    # plumbing ---------------------------------------------------------------------------------------------
    def credential(self) -> Any:
        """The azure-identity credential (made once, in a worker thread)."""
        with self._lock:
            if self._credential is None:
                from azure.identity import ClientSecretCredential, DefaultAzureCredential

                ws = self.workspace
                tenant, client, secret = ((ws.tenant_id, ws.client_id, ws.client_secret) if ws.has_service_principal
                                          else self._fallback_identity)
                # a sovereign or local authority serves no instance discovery (public Entra does)
                common = {"authority": self.authority_host, "connection_verify": self.connection_verify,
                          "disable_instance_discovery": self.authority_host != PUBLIC_AUTHORITY}
                if tenant and client and secret:
                    self._credential = ClientSecretCredential(tenant, client, secret, retry_total=0, **common)
                else:
                    self._credential = DefaultAzureCredential(**common)
            return self._credential

    def ml(self) -> Any:
        """azure-ai-ml's MLClient for the workspace, made on first use."""
        credential = self.credential()
        with self._lock:
            if self._ml is None:
                from azure.ai.ml import MLClient

                kwargs: dict[str, Any] = {"retry_total": 0, "connection_timeout": self._timeout_s,
                                          "read_timeout": self._timeout_s, "enable_telemetry": False,
                                          "show_progress": False, "connection_verify": self.connection_verify}
                if self.arm_endpoint != PUBLIC_ARM:
                    kwargs.update(cloud=cloud_name(self.arm_endpoint), cloud_metadata=self._cloud_metadata())
                ws = self.workspace
                self._ml = MLClient(credential, ws.subscription_id, ws.resource_group, ws.workspace_name, **kwargs)
            return self._ml

    def _cloud_metadata(self) -> dict[str, str] | None:
        from azure.ai.ml._azure_environments import _environments

        if cloud_name(self.arm_endpoint) in _environments:  # registered by an earlier client in this process
            return None
        return {"azure_portal": self.arm_endpoint, "resource_manager": self.arm_endpoint + "/",
                "active_directory": self.authority_host + "/", "aml_resource_id": self.arm_endpoint + "/",
                "storage_endpoint": "core.windows.net", "registry_discovery_endpoint": self.arm_endpoint + "/"}

    async def in_thread(self, fn: Callable[[], T], *, what: str) -> T:
        """A blocking call (azure-storage-blob too) in a worker thread, under the retry policy and the mapping."""
        return await self._policed(lambda: in_worker(self._executor, fn, to_failure), what=what)

    async def _policed(self, attempt: Callable[[], Any], *, what: str) -> Any:
        operation = telemetry.operation(what)  # without the names and numbers in ``what``
        with telemetry.span("azure_ml.call", operation=operation) as span:
            tries = Tries(span, backend="azure_ml", operation=operation)
            try:
                result = await self.policy.run(tries.counted(attempt), idempotent=True, what=what)
            except GaveUp as exc:
                tries.ended("gave up", exc.last.status)
                log.warning("azure ml call gave up", extra={"what": what, "attempts": exc.attempts,
                                                            "status": exc.last.status, "reason": exc.reason})
                raise to_user_error(exc.last, self.workspace, what) from None
            except Failure as failure:
                tries.ended("failed", failure.status)
                log.info("azure ml call failed", extra={"what": what, "status": failure.status})
                raise to_user_error(failure, self.workspace, what) from None
            tries.ended("ok")
            return result

    # the API ------------------------------------------------------------------------------------------------
    async def call(self, fn: Callable[[Any], T], *, what: str) -> T:
        """Runs ``fn(ml_client)`` (a read) in a worker thread under the retry policy; failures become bot errors."""
        return await self.in_thread(lambda: fn(self.ml()), what=what)

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
