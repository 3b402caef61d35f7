"""Service-shaped errors: the JSON body Azure DevOps sends with a failed call.

Handlers raise :class:`ServiceError`; the pipeline turns it into
``{"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"}``
with the real status code, exactly as the service does.
"""

from __future__ import annotations

import json

from aiohttp import web

# Assembly-qualified type names the service reports, by typeKey prefix.
_NAMESPACES = {
    "Git": "Microsoft.TeamFoundation.Git.Server",
    "InvalidGit": "Microsoft.TeamFoundation.Git.Server",
    "Project": "Microsoft.TeamFoundation.Core.WebApi",
    "Team": "Microsoft.TeamFoundation.Core.WebApi",
    "Graph": "Microsoft.VisualStudio.Services.Graph",
    "InvalidSubject": "Microsoft.VisualStudio.Services.Graph",
    "ServiceEndpoint": "Microsoft.TeamFoundation.DistributedTask.WebApi",
    "SecureFile": "Microsoft.TeamFoundation.DistributedTask.WebApi",
    "InstalledExtension": "Microsoft.VisualStudio.Services.ExtensionManagement.WebApi",
    "Extension": "Microsoft.VisualStudio.Services.ExtensionManagement.WebApi",
    "ReleaseDefinition": "Microsoft.VisualStudio.Services.ReleaseManagement.Data.Exceptions",
    "Release": "Microsoft.VisualStudio.Services.ReleaseManagement.Data.Exceptions",
    "UserEntitlement": "Microsoft.VisualStudio.Services.MemberEntitlementManagement.WebApi",
}
_DEFAULT_NAMESPACE = "Microsoft.VisualStudio.Services.WebApi"


def type_name_for(type_key: str) -> str:
    """The assembly-qualified .NET type name the service reports for ``type_key``."""
    namespace = next(
        (ns for prefix, ns in _NAMESPACES.items() if type_key.startswith(prefix)),
        _DEFAULT_NAMESPACE,
    )
    assembly = namespace.rsplit(".", 1)[0] if namespace.endswith("WebApi") else namespace
    return f"{namespace}.{type_key}, {assembly}"


class ServiceError(Exception):
    """An error the service reports with its JSON error body."""

    def __init__(self, status: int, message: str, type_key: str, *,
                 error_code: int = 0, event_id: int = 3000, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type_key = type_key
        self.error_code = error_code
        self.event_id = event_id
        self.headers = headers or {}

    def body(self) -> dict:
        return {
            "$id": "1",
            "innerException": None,
            "message": self.message,
            "typeName": type_name_for(self.type_key),
            "typeKey": self.type_key,
            "errorCode": self.error_code,
            "eventId": self.event_id,
        }

    def to_response(self) -> web.Response:
        return web.Response(
            status=self.status,
            body=json.dumps(self.body()).encode("utf-8"),
            content_type="application/json",
            charset="utf-8",
            headers=self.headers,
        )


def bad_request(message: str, type_key: str = "InvalidArgumentValueException") -> ServiceError:
    return ServiceError(400, message, type_key)


def not_found(message: str, type_key: str) -> ServiceError:
    return ServiceError(404, message, type_key)


def conflict(message: str, type_key: str) -> ServiceError:
    return ServiceError(409, message, type_key)


def resource_not_found_page(path: str) -> web.Response:
    """What the service's front end answers for a path no controller serves (e.g. the wrong host)."""
    html = (
        "<!DOCTYPE html><html><head><title>The resource cannot be found.</title></head>"
        f"<body><h1>404 - Not Found</h1><p>The controller for path '{_escape(path)}' was not found "
        "or does not implement IController.</p></body></html>"
    )
    return web.Response(status=404, text=html, content_type="text/html", charset="utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
