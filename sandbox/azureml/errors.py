"""Azure Resource Manager's error answers: ``{"error": {"code", "message"}}`` with the real status and headers.

The codes and texts follow ARM's documented ones (AuthenticationFailed, InvalidAuthenticationToken,
ExpiredAuthenticationToken, InvalidAuthenticationTokenAudience, AuthorizationFailed, ResourceNotFound,
ResourceGroupNotFound, SubscriptionNotFound, MissingApiVersionParameter, NoRegisteredProviderFound,
SubscriptionRequestsThrottled); their exact wording was not all checked against live answers.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from aiohttp import web

from ..faults import FaultRule


def arm_headers() -> dict[str, str]:
    request_id = str(uuid.uuid4())
    return {"x-ms-request-id": request_id, "x-ms-correlation-request-id": request_id,
            "x-ms-routing-request-id": f"WESTEUROPE:{datetime.now(UTC):%Y%m%dT%H%M%SZ}:{request_id}",
            "Cache-Control": "no-cache", "Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


class ArmError(Exception):
    """An error ARM (or the resource provider behind it) answers with."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def to_response(self) -> web.Response:
        body = json.dumps({"error": {"code": self.code, "message": self.message}}).encode()
        return web.Response(status=self.status, body=body, content_type="application/json", charset="utf-8",
                            headers={**arm_headers(), **self.headers})


def unauthorized(code: str, message: str, authority: str) -> ArmError:
    """401 with the challenge ARM sends (azure-core retries only a claims challenge, so this one is final)."""
    challenge = (f'Bearer authorization_uri="{authority}", error="invalid_token", '
                 f'error_description="{message.replace(chr(34), chr(39))}"')
    return ArmError(401, code, message, {"WWW-Authenticate": challenge})


def not_found(resource_type: str, name: str, resource_group: str) -> ArmError:
    return ArmError(404, "ResourceNotFound", f"The Resource '{resource_type}/{name}' under resource group "
                    f"'{resource_group}' was not found. For more details please go to "
                    "https://aka.ms/ARMResourceNotFoundFix")


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)


def arm_fault_response(subscription_id: str):
    """How ARM words an injected fault (``FaultRule``): throttling, server errors, gateway errors."""
    def respond(rule: FaultRule) -> web.Response:
        status = rule.status or 500
        tracking = str(uuid.uuid4())
        headers: dict[str, str] = {}
        if status == 429:
            retry_after = rule.retry_after if rule.retry_after is not None else 30
            headers = {"Retry-After": str(retry_after), "x-ms-ratelimit-remaining-subscription-reads": "0"}
            code, message = "SubscriptionRequestsThrottled", (
                f"Number of 'read' requests for subscription '{subscription_id}' exceeded. Please try again after "
                f"'{retry_after}' seconds after additional tips: https://aka.ms/ARMThrottling")
        else:
            if rule.retry_after is not None:
                headers["Retry-After"] = str(rule.retry_after)
            code, message = _FAULTS.get(status, ("InternalServerError", "The request failed (injected by the "
                                                                        "sandbox)."))
            message = message.format(tracking=tracking, subscription=subscription_id)
        return ArmError(status, code, message, headers).to_response()
    return respond


_FAULTS = {
    500: ("InternalServerError", "Encountered internal server error. Diagnostic information: subscription id "
                                 "'{subscription}', tracking id '{tracking}'."),
    502: ("BadGateway", "The gateway did not receive a response from 'Microsoft.MachineLearningServices' "
                        "(tracking id '{tracking}')."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry (tracking id '{tracking}')."),
    504: ("GatewayTimeout", "The gateway did not receive a response from 'Microsoft.MachineLearningServices' within "
                            "the specified time period."),
}
