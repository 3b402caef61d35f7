"""Azure DevOps: the client (SDK in threads, own retry policy, errors as cards) and the admin role source.

Importing this package does not import azure.devops (that happens on the first call)."""

from bot.services.devops.client import DevOpsClient, RawResponse, SdkClients, require
from bot.services.devops.retry import RetryPolicy

__all__ = ["DevOpsClient", "RawResponse", "RetryPolicy", "SdkClients", "require"]
