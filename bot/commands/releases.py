"""releases [<definition>], release <id>: the release pipeline's releases, each stage at a glance, and one in
detail with the Azure ML model version it ships and that version's test verdict (from the models capability)."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.model_checks import Verdicts, check_shipped, shipped_models
from bot.progress import answer_soon
from bot.router import Args, card_action, command
from bot.services.azureml.backend import AZURE_ML
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.releases import read_release, recent_releases
from bot.turn import Reply, Turn
from cards import verbs
from cards.releases import release_card, releases_card

AREA = "Releases"


async def _releases_reply(turn: Turn, definition: str) -> Reply:
    devops = turn.services.client(AZURE_DEVOPS)
    releases = await recent_releases(devops, definition)
    return Reply(card=releases_card(devops.project, releases, now=turn.services.clock(), definition=definition))


@command("releases", area=AREA, usage='releases ["<release pipeline>"]',
         examples=["releases", 'releases "TinyYOLO to IoT Edge"'])
async def handle_releases(turn: Turn, args: Args) -> Reply:
    """Lists the newest releases with each stage's status at a glance (and who an approval waits for)."""
    return await _releases_reply(turn, args.text)


@card_action(verbs.RELEASES_MORE)
async def handle_releases_button(turn: Turn, data: dict) -> Reply:
    """Lists the newest releases again."""
    return await _releases_reply(turn, str(data.get("definition", "")))


async def _release_reply(turn: Turn, release_id: int) -> Reply:
    services = turn.services
    release = await read_release(services.client(AZURE_DEVOPS), release_id)
    shipped = shipped_models(release)
    verdicts: Verdicts = {}

    def render() -> Reply:
        return Reply(card=release_card(release, now=services.clock(), verdicts=verdicts))

    if not shipped or services.backends.optional(AZURE_ML) is None:
        return render()

    async def work() -> Reply:
        await check_shipped(services, shipped, verdicts)
        return render()

    return await answer_soon(turn, work(), render, name=f"release {release_id}")


def _release_id(value: str) -> int:
    digits = value.strip().lower().removeprefix("release-").removeprefix("#")
    if not digits.isdigit():
        raise InvalidInput(f"'{value[:40]}' is not a release number.",
                           next_step="Type release <number>, e.g. release 12; type releases to see them.")
    return int(digits)


@command("release", area=AREA, usage="release <id>", examples=["release 3", "release Release-3"])
async def handle_release(turn: Turn, args: Args) -> Reply:
    """Shows one release: stages with status, times and approvers; what it ships, with the model's verdict."""
    if not args.tokens:
        raise InvalidInput("Which release?", next_step="Type release <number>; type releases to see them.")
    return await _release_reply(turn, _release_id(args.text))


@card_action(verbs.RELEASE_SHOW)
async def handle_release_show(turn: Turn, data: dict) -> Reply:
    """Opens one release."""
    return await _release_reply(turn, _release_id(str(data.get("id", ""))))
