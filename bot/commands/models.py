"""models, model <name> [<version>]: the workspace's registered models with their onnxruntime checks.

Results come from the store at once; versions never checked are checked in their own process (bot.isolation)
while the card shows "checking…" and updates itself (bot.progress); everyone else keeps being answered.
"""

from __future__ import annotations

import asyncio

from bot.card_data import int_of
from bot.errors import InvalidInput
from bot.model_checks import model_checks
from bot.progress import answer_soon
from bot.router import Args, card_action, command
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.model import ModelVersion, RegisteredModel
from bot.services.azureml.registry import model_version, model_versions, registered_models
from bot.services.models.compare import compare
from bot.turn import Reply, Turn
from cards import verbs
from cards.models import ModelRow, model_card, models_card

AREA = "Models"


async def _models_reply(turn: Turn, page: int = 0) -> Reply:
    services = turn.services
    azureml = services.client(AZURE_ML)
    checks = model_checks(services)
    models = await registered_models(azureml)
    results = dict(zip([m.name for m in models], await asyncio.gather(*(checks.stored(m.latest) for m in models)),
                       strict=True))
    unchecked = [m for m in models if results[m.name] is None]

    def render() -> Reply:
        rows = [ModelRow(m, results[m.name], checking=results[m.name] is None and checks.running(m.latest))
                for m in models]
        return Reply(card=models_card(azureml.workspace.workspace_name, rows, now=services.clock(), page=page))

    async def check(model: RegisteredModel) -> None:
        results[model.name] = await checks.check(model.latest)

    async def work() -> Reply:
        await asyncio.gather(*(check(m) for m in unchecked))
        return render()

    if not unchecked:
        return render()
    return await answer_soon(turn, work(), render, name="models")


@command("models", area=AREA, usage="models", examples=["models"], aliases=["model list"])
async def handle_models(turn: Turn, args: Args) -> Reply:
    """Lists the workspace's registered models: newest version, tags, who registered it, its test verdict."""
    return await _models_reply(turn)


@card_action(verbs.MODELS_MORE)
async def handle_models_more(turn: Turn, data: dict) -> Reply:
    """Shows another page of the model list."""
    page = int_of(data, "page")
    return await _models_reply(turn, page)


async def _model_reply(turn: Turn, name: str, version: str) -> Reply:
    services = turn.services
    azureml = services.client(AZURE_ML)
    checks = model_checks(services)
    chosen, versions = await asyncio.gather(model_version(azureml, name, version), model_versions(azureml, name))
    older = [v for v in versions if _number(v) < _number(chosen)]
    previous: ModelVersion | None = older[0] if older else None
    state: dict[str, dict | None] = {"current": await checks.stored(chosen),
                                     "previous": await checks.stored(previous) if previous else None}

    def render() -> Reply:
        current, before = state["current"], state["previous"]
        changes = compare(before, current) if current is not None and before is not None else None
        return Reply(card=model_card(chosen, current, now=services.clock(), checking=current is None,
                                     previous=previous, changes=changes))

    async def work() -> Reply:
        async def previous_check() -> None:
            if previous is not None and state["previous"] is None:
                state["previous"] = await checks.check(previous)

        async def current_check() -> None:
            state["current"] = await checks.check(chosen)

        await asyncio.gather(current_check(), previous_check())
        return render()

    if state["current"] is not None and (previous is None or state["previous"] is not None):
        return render()
    return await answer_soon(turn, work(), render, name=f"model {name}")


def _number(version: ModelVersion) -> int:
    return int(version.version) if version.version.isdigit() else -1


@command("model", area=AREA, usage="model <name> [<version>]",
         examples=["model TinyYOLO", "model TinyYOLO 2"])
async def handle_model(turn: Turn, args: Args) -> Reply:
    """Shows one model version's check: file, signature, test data errors, latency, and what changed."""
    if not args.tokens:
        raise InvalidInput("Which model?", next_step="Type model <name> [<version>], e.g. model TinyYOLO 3; type "
                           "models to see them all.")
    name, version = args.tokens[0], " ".join(args.tokens[1:]).removeprefix("version ").strip()
    return await _model_reply(turn, name, version)


@card_action(verbs.MODEL_SHOW)
async def handle_model_show(turn: Turn, data: dict) -> Reply:
    """Opens one model version's check."""
    return await _model_reply(turn, str(data.get("name", "")), str(data.get("version", "")))
