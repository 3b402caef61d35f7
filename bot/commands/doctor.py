"""doctor: is the workshop's setup complete? One card, one line per item, the exact next step for each gap.

The checks live beside the data they judge (bot/services/devops/workshop_checks.py, run by workshop.py); this
command only starts them and shows the card, which updates itself while slow items answer (bot.progress).
"""

from __future__ import annotations

import asyncio

from bot.model_checks import model_checks
from bot.progress import answer_soon
from bot.router import Args, card_action, command
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.workshop_checks import AzureMLWorkshopCheck
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.workshop import WorkshopCheck
from bot.services.devops.workshop_checks import Expected
from bot.turn import Reply, Turn
from cards import verbs
from cards.doctor import doctor_card


async def _doctor(turn: Turn) -> Reply:
    services = turn.services
    expected = Expected.from_settings(services.settings)
    check = WorkshopCheck(services.client(AZURE_DEVOPS), expected, time_up=services.pacing.time_up)
    azureml = services.backends.optional(AZURE_ML)  # its items join the card when Azure ML is configured
    ml_check = AzureMLWorkshopCheck(azureml, model_checks(services), check.shipped_model) if azureml else None

    def render(pending: bool) -> Reply:
        results = check.results() + (ml_check.results() if ml_check else [])
        return Reply(card=doctor_card(expected.project, results, pending=pending,
                                      checked_at=f"{services.clock():%H:%M} UTC"))

    async def work() -> Reply:
        await asyncio.gather(check.run(), *([ml_check.run()] if ml_check else []))
        return render(False)

    return await answer_soon(turn, work(), lambda: render(True), name="doctor")


@command("doctor", area="Connections and setup", usage="doctor", examples=["doctor"],
         aliases=["readiness", "check setup"])
async def handle_doctor(turn: Turn, args: Args) -> Reply:
    """Checks the workshop's setup in one card, with the exact next step for each gap."""
    return await _doctor(turn)


@card_action(verbs.DOCTOR_RUN)
async def handle_doctor_button(turn: Turn, data: dict) -> Reply:
    """Runs the readiness check again."""
    return await _doctor(turn)
