"""doctor's Azure ML items: the workspace answers the bot's identity, the model the release ships is registered,
and its newest version passes its onnxruntime check. Pure checks over plain data, and the run that gathers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import NotFound, UserFacingError
from bot.services.azureml.client import AzureMLClient
from bot.services.azureml.model import ModelVersion, Workspace
from bot.services.azureml.model_checks import ModelChecks
from bot.services.azureml.registry import model_version, read_workspace
from bot.services.checks.model import CheckResult

ORDER = ("workspace", "model", "model_check")
STUDIO = "Azure ML studio (ml.azure.com)"


def titles(workspace: str, model: str) -> dict[str, str]:
    shown = model or "The release's model"
    return {"workspace": f"Azure ML workspace {workspace} answers the bot",
            "model": f"{shown} is registered in {workspace}",
            "model_check": f"{shown}'s newest version passes its test data"}


def check_workspace(found: Workspace, workspace: str) -> CheckResult:
    where = f" in {found.location}" if found.location else ""
    return CheckResult(titles(workspace, "")["workspace"], "pass", f"resource group {found.resource_group}{where}")


def check_model(found: ModelVersion | None, model: str, workspace: str) -> CheckResult:
    title = titles(workspace, model)["model"]
    if found is None:
        return CheckResult(title, "fail", f"Workspace {workspace} has no model called {model}.",
                           next_step=f"Register it: {STUDIO} → Models → Register → From local files → the ONNX file "
                           f"→ name {model} → Register (or run the workshop's training pipeline, which registers it).")
    who = f" by {found.created_by}" if found.created_by else ""
    return CheckResult(title, "pass", f"newest version {found.version}, registered{who}")


def check_model_result(found: ModelVersion | None, result: dict[str, Any] | None, model: str,
                       workspace: str) -> CheckResult:
    title = titles(workspace, model)["model_check"]
    if found is None:
        return CheckResult(title, "error", "Not checked: the model is not registered.",
                           next_step="Register it first (see above).")
    verdict = (result or {}).get("verdict")
    latency = ((result or {}).get("latency") or {}).get("p50_ms")
    timing = f", p50 {latency:.1f} ms" if isinstance(latency, int | float) else ""
    if verdict == "pass":
        return CheckResult(title, "pass", f"version {found.version} passes its test data{timing}")
    if verdict == "no_test_data":
        return CheckResult(title, "fail", f"Version {found.version} has no test data, so nobody knows whether it "
                           "still gives the right answers.",
                           next_step=f"Register the next version as a folder with model.onnx and test_data_set_0 "
                           f"(input_0.pb, output_0.pb from a version you trust); type model {found.name} to see it.")
    reason = (result or {}).get("reason") or "the check did not end"
    step = (f"Do not ship it: type model {found.name} {found.version} to see which outputs are off, then register a "
            "fixed version (or keep releasing the previous one)." if verdict == "fail" else
            f"Type model {found.name} {found.version} for the details; a file onnxruntime cannot load must be "
            "exported again (opset, operators) before it ships.")
    return CheckResult(title, "fail", f"Version {found.version}: {reason}", next_step=step)


class AzureMLWorkshopCheck:
    """One run of doctor's Azure ML items; ``results()`` is what has answered so far, in display order."""

    def __init__(self, azureml: AzureMLClient, checks: ModelChecks, model_name: Callable[[], Awaitable[str]]) -> None:
        self._azureml = azureml
        self._checks = checks
        self._model_name = model_name
        self._model = ""
        self._results: dict[str, CheckResult] = {}

    def results(self) -> list[CheckResult]:
        names = titles(self._azureml.workspace.workspace_name, self._model)
        return [self._results.get(key) or CheckResult(names[key], "pending", "checking…") for key in ORDER]

    async def run(self) -> None:
        ws = self._azureml.workspace.workspace_name
        try:
            found = await read_workspace(self._azureml)
        except UserFacingError as exc:
            self._results["workspace"] = CheckResult(titles(ws, "")["workspace"], "fail", exc.message,
                                                     next_step=exc.next_step)
            for key in ("model", "model_check"):
                self._results[key] = CheckResult(titles(ws, self._model)[key], "error",
                                                 "Not checked: the workspace does not answer.",
                                                 next_step="Fix the workspace item first (see above).")
            return
        self._results["workspace"] = check_workspace(found, ws)
        await self._model_items(ws)

    async def _model_items(self, ws: str) -> None:
        self._model = await self._model_name()
        if not self._model:
            for key in ("model", "model_check"):
                self._results[key] = CheckResult(titles(ws, "")[key], "error",
                                                 "Not checked: no release pipeline names an Azure ML model.",
                                                 next_step="Set DOCTOR_MODEL, or fix the release pipeline item.")
            return
        try:
            version: ModelVersion | None = await model_version(self._azureml, self._model)
        except NotFound:
            version = None
        except UserFacingError as exc:
            self._results["model"] = CheckResult(titles(ws, self._model)["model"], "error",
                                                 f"Could not check: {exc.message}", next_step=exc.next_step)
            return
        self._results["model"] = check_model(version, self._model, ws)
        result = await self._checks.check(version) if version is not None else None
        self._results["model_check"] = check_model_result(version, result, self._model, ws)
