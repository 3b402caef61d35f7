"""The HTTP clients botbuilder builds for every turn: bounded in time while it runs, closed when it ends.

CloudAdapter creates a ConnectorClient (replies to the activity's serviceUrl) and a TokenApiClient (user
sign-in) per turn, each with its own requests.Session, and never closes them. Closing a Session does not
close its idle connections either with urllib3 2.8 (PoolManager.clear() drops the pools without closing
them), so each turn's socket stayed open until the garbage collector found the pool: 20-40 extra descriptors
every few hundred turns here. The pools each session used are closed here when the turn ends.
msrest waits 100 s for a connection or an answer by default, and retries a refused connection three times
with back-off (about 5 s per call, 10 s for a turn that looks up a member first), holding the turn, and
Teams' HTTP request with it, for as long as a dead reply target lets it. Both are set here, for inbound and
proactive turns alike; answers with a status (429, 5xx) are retried by bot.connector_retry, not here.
msrest also fails on any answer that is not JSON (a gateway's HTML 502 page, a proxy's text/plain 404)
before it looks at the status, so such an error was neither an HTTP error nor retried: the turn's clients
read such a body as text instead, and the status decides.
"""

from __future__ import annotations

import logging
from typing import Any

from msrest.exceptions import DeserializationError
from msrest.pipeline.universal import RawDeserializer

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
"""Longest wait for a connection to the reply target, and then between bytes of its answer (per attempt)."""
CONNECTION_RETRIES = 1
"""A refused or dropped connection is tried once more, at once (a fresh connection, no back-off)."""
SESSIONS_KEY = "college_bot.turn_sessions"
"""Where a turn's state keeps the requests sessions its clients used, to close them after the turn."""


class _TextWhenNotJson(RawDeserializer):
    """msrest's body reader, except that a body it cannot parse is kept as text (the status then decides)."""

    def on_response(self, request: Any, response: Any, **kwargs: Any) -> None:
        try:
            super().on_response(request, response, **kwargs)
        except DeserializationError:
            response.context[self.CONTEXT_NAME] = response.http_response.text()


def _read_unparsable_bodies_as_text(client: Any) -> None:
    # msrest 0.7.1 (pinned, no longer developed) wraps each policy of an async pipeline in a runner (``_policy``)
    for runner in getattr(client.config.pipeline, "_impl_policies", []):
        if type(getattr(runner, "_policy", None)) is RawDeserializer:
            runner._policy = _TextWhenNotJson()


def _msrest_clients(turn_state: dict[str, Any], connector_key: str, user_token_key: str) -> list[Any]:
    user_token_client = turn_state.get(user_token_key)
    # botbuilder's _UserTokenClientImpl keeps its TokenApiClient in ``_client`` (no public accessor)
    candidates = [turn_state.get(connector_key), getattr(user_token_client, "_client", None)]
    return [c for c in candidates if getattr(getattr(c, "config", None), "connection", None) is not None]


def bound_in_time(turn_state: dict[str, Any], connector_key: str, user_token_key: str) -> None:
    """Caps how long each call of the turn's clients may wait, and notes the sessions they use."""
    sessions: set[Any] = turn_state.setdefault(SESSIONS_KEY, set())
    for client in _msrest_clients(turn_state, connector_key, user_token_key):
        config = client.config
        config.connection.timeout = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
        retry_policy = getattr(config, "retry_policy", None)
        if retry_policy is not None:
            retry_policy.retries = CONNECTION_RETRIES
            retry_policy.backoff_factor = 0
        _read_unparsable_bodies_as_text(client)
        configure = config.session_configuration_callback  # msrest's per-request hook, given the session

        def remember(session: Any, *args: Any, _configure: Any = configure, **kwargs: Any) -> Any:
            sessions.add(session)
            return _configure(session, *args, **kwargs)

        config.session_configuration_callback = remember


def _close_session(session: Any) -> None:
    for adapter in getattr(session, "adapters", {}).values():
        pools = getattr(getattr(adapter, "poolmanager", None), "pools", None)
        for key in list(pools.keys()) if pools is not None else []:
            pool = pools.get(key)
            if pool is not None:
                pool.close()  # closes its idle connections; one still in use is closed when it comes back
    session.close()


def close(turn_state: dict[str, Any]) -> None:
    """Closes the connections of every session the turn's clients used (a closed session still works later)."""
    for session in turn_state.pop(SESSIONS_KEY, set()):
        try:
            _close_session(session)
        except (OSError, RuntimeError, AttributeError) as exc:
            log.debug("closing a turn's session failed", extra={"reason": type(exc).__name__})
