"""The values Teams sends with each invoke name (shapes from the Teams and Bot Framework docs), for tests."""

from __future__ import annotations

from typing import Any

INVOKE_VALUES: dict[str, Any] = {
    "signin/tokenExchange": {"id": "x1", "connectionName": "devops", "token": "eyJ.x.y"},
    "signin/verifyState": {"state": "123456"},
    "signin/failure": {"code": "resourcematchfailed", "message": "no"},
    "application/search": {"queryText": "a", "queryOptions": {"skip": 0, "top": 15}, "dataset": "x"},
    "task/fetch": {"data": {"type": "task/fetch"}, "context": {"theme": "dark"}},
    "task/submit": {"data": {"a": 1}, "context": {"theme": "default"}},
    "composeExtension/query": {"commandId": "search", "parameters": [{"name": "q", "value": "x"}],
                               "queryOptions": {"skip": 0, "count": 25}},
    "composeExtension/queryLink": {"url": "https://example.org/x"},
    "composeExtension/submitAction": {"commandId": "c", "commandContext": "message", "data": {}},
    "composeExtension/fetchTask": {"commandId": "c", "commandContext": "compose"},
    "config/fetch": {"data": {}}, "config/submit": {"data": {"x": 1}},
    "tab/fetch": {"tabContext": {"tabEntityId": "t"}},
    "fileConsent/invoke": {"type": "fileUpload", "action": "accept", "context": {}},
    "message/submitAction": {"actionName": "feedback", "actionValue": {"reaction": "like", "feedback": "{}"}},
}
