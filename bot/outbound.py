"""Local mode: every HTTP client botbuilder builds to send (replies, updates, tokens) connects to loopback only.

botframework-connector 4.17's ConnectorClient and TokenApiClient send through msrest 0.7's
AsyncRequestsHTTPSender: `requests` in a thread, so urllib3 parses the URL and opens the socket. The guard
sits at that socket: each new connection resolves its host once (a name other than a loopback name is
refused without being resolved), refuses unless every address is loopback, and connects to those addresses
only. Proxies (environment or configured) are refused. Whatever a parser made of a serviceUrl, a stored
conversation reference or a redirect, no other host is reached.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from bot.loopback import DestinationRefused, loopback_addresses

log = logging.getLogger(__name__)


class RefusedDestinationError(requests.exceptions.ConnectionError):
    """requests' form of DestinationRefused, so msrest reports it as the connection error it is."""


class _LoopbackOnly:
    """Connection mixin: resolve, check, then connect to the checked addresses and nothing else."""

    _dns_host: str
    port: int

    def _new_conn(self) -> Any:
        name = self._dns_host
        failure: NewConnectionError | None = None
        for address in loopback_addresses(name, self.port):  # DestinationRefused is not retried by urllib3
            self._dns_host = address
            try:
                return super()._new_conn()  # type: ignore[misc]
            except NewConnectionError as exc:
                failure = exc
            finally:
                self._dns_host = name
        raise failure  # type: ignore[misc]  # loopback_addresses never returns an empty list


class LoopbackHTTPConnection(_LoopbackOnly, HTTPConnection):
    """An urllib3 HTTP connection to loopback addresses only."""


class LoopbackHTTPSConnection(_LoopbackOnly, HTTPSConnection):
    """An urllib3 HTTPS connection to loopback addresses only (TLS still verifies the URL's host name)."""


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = LoopbackHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = LoopbackHTTPSConnection


class LoopbackOnlyAdapter(HTTPAdapter):
    """A requests adapter whose connections reach loopback addresses only, and never through a proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise RefusedDestinationError("local mode sends through no proxy")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            return super().send(request, *args, **kwargs)
        except DestinationRefused as exc:
            log.warning("refused: local mode connects to loopback only", extra={"reason": str(exc)[:200]})
            raise RefusedDestinationError(str(exc), request=request) from exc


def confine_session(session: requests.Session) -> None:
    """Makes a requests session connect to loopback only: our adapter for http(s), no other scheme, no proxy."""
    session.trust_env = False
    session.proxies.clear()
    if session.adapters and all(isinstance(a, LoopbackOnlyAdapter) for a in session.adapters.values()):
        return
    current = session.adapters.get("https://")
    retries = current.max_retries if isinstance(current, HTTPAdapter) else 0
    session.adapters.clear()
    for prefix in ("https://", "http://"):
        session.mount(prefix, LoopbackOnlyAdapter(max_retries=retries))


def confine_client(client: Any) -> Any:
    """Confines an msrest client (a connector or token API client) to loopback; refuses one it cannot confine."""
    config = client.config
    sender = getattr(config.pipeline, "_sender", None)
    driver = getattr(sender, "driver", None)
    if not hasattr(driver, "_configure_send"):  # msrest's requests driver, which calls the callback below
        raise DestinationRefused(f"cannot confine an HTTP client that sends with {type(driver).__name__}")
    config.proxies.use_env_settings = False
    configure = config.session_configuration_callback

    def confined(session: requests.Session, global_config: Any, local_config: Any, **kwargs: Any) -> Any:
        confine_session(session)
        kwargs = configure(session, global_config, local_config, **kwargs) or kwargs
        kwargs.pop("proxies", None)
        return kwargs

    config.session_configuration_callback = confined
    return client


class LoopbackOnlyConnectorFactory(ConnectorFactory):
    """Builds botbuilder's connector clients, each confined to loopback."""

    def __init__(self, inner: ConnectorFactory) -> None:
        self._inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        return confine_client(await self._inner.create(service_url, audience))


class LoopbackOnlyAuthentication(BotFrameworkAuthentication):
    """botbuilder's authentication, with every client it builds for sending confined to loopback."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner

    async def authenticate_request(self, activity: Any, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = LoopbackOnlyConnectorFactory(result.connector_factory)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str
                                             ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return LoopbackOnlyConnectorFactory(self._inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        user_token_client = await self._inner.create_user_token_client(claims_identity)
        confine_client(user_token_client._client)  # botbuilder's _UserTokenClientImpl keeps its TokenApiClient there
        return user_token_client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()  # skills: no HTTP client is configured, it cannot send

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
