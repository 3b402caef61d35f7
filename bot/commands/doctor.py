"""doctor: is the workshop's setup complete? One card, one line per item, the exact next step for each gap; for
admins, a Fix button on the gaps the bot can close itself (confirmation card, audited, then doctor runs again).

The checks live beside the data they judge (bot/services/devops/workshop_checks.py, run by workshop.py; Azure ML's
in bot/services/azureml/workshop_checks.py); the fixes in bot/services/devops/workshop_fixes.py. This command only
starts them and shows the card, which updates itself while slow items answer (bot.progress).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.confirmations import ask_confirmation
from bot.errors import InvalidInput
from bot.model_checks import model_checks
from bot.policy import Role
from bot.progress import answer_soon
from bot.router import Args, card_action, command, operation
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.workshop_checks import AzureMLWorkshopCheck
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.workshop import WorkshopCheck
from bot.services.devops.workshop_checks import FIX_ARM, FIX_EXTENSION, FIX_SECURE_FILE, Expected
from bot.services.devops.workshop_fixes import create_arm_connection, install_extension, upload_secure_file
from bot.turn import Reply, Turn
from cards import verbs
from cards.doctor import doctor_card

DEFAULT_ARM_CONNECTION = "aml-workspace-connection"  # the workshop's name


def _fixes(turn: Turn) -> frozenset[str]:
    """The gaps this person may have the bot close: admins only; config.json's for the connection and the file."""
    if Role.ADMIN not in turn.roles:
        return frozenset()
    settings = turn.services.settings
    workspace = settings.workspace()
    with_config = {FIX_SECURE_FILE} if settings.azureml_config else set()
    with_principal = {FIX_ARM} if workspace is not None and workspace.has_service_principal else set()
    return frozenset({FIX_EXTENSION} | with_config | with_principal)


def _doctor_run(turn: Turn, *, note: str = "") -> tuple[Callable[[bool], Reply], Awaitable[object]]:
    """(render, run) of one doctor run: the card as it is now, and the checks to await."""
    services = turn.services
    expected = Expected.from_settings(services.settings)
    check = WorkshopCheck(services.client(AZURE_DEVOPS), expected, time_up=services.pacing.time_up)
    azureml = services.backends.optional(AZURE_ML)  # its items join the card when Azure ML is configured
    ml_check = AzureMLWorkshopCheck(azureml, model_checks(services), check.shipped_model) if azureml else None
    fixes = _fixes(turn)

    def render(pending: bool) -> Reply:
        results = check.results() + (ml_check.results() if ml_check else [])
        return Reply(card=doctor_card(expected.project, results, pending=pending, fixes=fixes, note=note,
                                      checked_at=f"{services.clock():%H:%M} UTC"))

    return render, asyncio.gather(check.run(), *([ml_check.run()] if ml_check else []))


async def _doctor(turn: Turn) -> Reply:
    render, run = _doctor_run(turn)

    async def work() -> Reply:
        await run
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


# ---- Fix buttons: confirm, fix (audited), then doctor again ------------------------------------------------------
FIXES = {
    FIX_EXTENSION: ("Install the MLOps extension?", "setup.extension"),
    FIX_ARM: ("Create the Azure Resource Manager connection?", "setup.arm_connection"),
    FIX_SECURE_FILE: ("Upload the workspace's config.json?", "setup.secure_file"),
}


@card_action(verbs.DOCTOR_FIX, role=Role.ADMIN)
async def handle_doctor_fix(turn: Turn, data: dict) -> Reply:
    """Asks to confirm one of doctor's fixes (admins)."""
    fix = str(data.get("fix", ""))
    if fix not in FIXES or fix not in _fixes(turn):
        raise InvalidInput("The bot cannot fix that itself.", next_step="Type doctor and follow the next step.")
    settings = turn.services.settings
    expected = Expected.from_settings(settings)
    title, operation = FIXES[fix]
    summary = {
        FIX_EXTENSION: [("Extension", expected.extension), ("Organization", settings.devops_org_url)],
        FIX_ARM: [("Name", expected.arm_connection or DEFAULT_ARM_CONNECTION), ("Type", "Azure Resource Manager, "
                  "service principal from the workspace's config.json"), ("Project", expected.project)],
        FIX_SECURE_FILE: [("Secure file", expected.secure_file), ("From", settings.azureml_config),
                          ("Project", expected.project)],
    }[fix]
    return await ask_confirmation(turn, operation, {"fix": fix, "target": summary[0][1]}, title=title,
                                  summary=summary)


async def _fixed(turn: Turn, done: str) -> Reply:
    """doctor again, right after a fix, with what was done on top."""
    render, run = _doctor_run(turn, note=f"✅ {done}")
    await run
    return render(False)


@operation("setup.extension", role=Role.ADMIN, what="install extensions")
async def do_install_extension(turn: Turn, data: dict) -> Reply:
    """Installs the MLOps extension, then runs doctor again."""
    extension = Expected.from_settings(turn.services.settings).extension
    installed = await install_extension(turn.services.client(AZURE_DEVOPS), extension)
    return await _fixed(turn, f"Installed {installed.name or extension} {installed.version}".strip())


@operation("setup.arm_connection", role=Role.ADMIN, what="create service connections")
async def do_create_arm_connection(turn: Turn, data: dict) -> Reply:
    """Creates the workspace-scoped Azure Resource Manager connection from config.json, then runs doctor again."""
    settings = turn.services.settings
    workspace = settings.workspace()
    if workspace is None:
        raise InvalidInput("No Azure ML workspace is configured.", next_step="Set AZUREML_CONFIG.")
    name = Expected.from_settings(settings).arm_connection or DEFAULT_ARM_CONNECTION
    created = await create_arm_connection(turn.services.client(AZURE_DEVOPS), name, workspace)
    return await _fixed(turn, f"Created the service connection {created.name}")


@operation("setup.secure_file", role=Role.ADMIN, what="upload secure files")
async def do_upload_secure_file(turn: Turn, data: dict) -> Reply:
    """Uploads the workspace's config.json as the pipelines' secure file, then runs doctor again."""
    settings = turn.services.settings
    name = Expected.from_settings(settings).secure_file
    uploaded = await upload_secure_file(turn.services.client(AZURE_DEVOPS), name, settings.azureml_config)
    return await _fixed(turn, f"Uploaded the secure file {uploaded.name}")
