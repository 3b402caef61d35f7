"""doctor's Fix buttons: for admins, the gaps the bot can close itself get a button; it asks to confirm, does it
(audited), and doctor runs again. Members see no button and a forged click is refused."""

from __future__ import annotations

import requests

from cards import verbs
from tests.azureml.conftest import services_of
from tests.harness.cards import card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (the card once all have answered)

FIX_BUTTONS = {"Install it", "Create it", "Upload it"}


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def break_the_setup(sandbox) -> None:
    """What a fresh workshop lacks: the MLOps extension, every Azure Resource Manager connection, config.json."""
    clients = sandbox.control.connection().clients_v7_1
    clients.get_extension_management_client().uninstall_extension_by_name("ms-air-aiagility", "vss-services-azureml")
    endpoints = clients.get_service_endpoint_client()
    project_id = clients.get_core_client().get_project("College").id
    for endpoint in endpoints.get_service_endpoints("College"):
        if endpoint.type == "azurerm":
            endpoints.delete_service_endpoint(endpoint.id, [project_id])
    files = f"{sandbox.control.org_url}/College/_apis/distributedtask/securefiles"  # the SDK has no methods for them
    auth, version = ("", sandbox.control.pat), {"api-version": "7.1-preview.1"}
    for secure_file in requests.get(files, auth=auth, params=version, timeout=10).json()["value"]:
        requests.delete(f"{files}/{secure_file['id']}", auth=auth, params=version, timeout=10).raise_for_status()


async def fix(teams, card: dict, title: str) -> dict:
    """Clicks the Fix button ``title`` on the doctor card, confirms, and returns the card that follows."""
    action = next(a for a in card_actions(card) if a["title"] == title)
    status, question = await teams.click_action(action)
    assert status == 200 and question is not None and "Confirm" in {a["title"] for a in card_actions(question)}
    confirm = next(a for a in card_actions(question) if a["verb"] == verbs.CONFIRM)
    status, answer = await teams.click_action(confirm)
    assert status == 200 and answer is not None
    await services_of(teams).background.wait_idle(timeout=120)
    return answer


async def test_an_admin_fixes_each_gap_from_the_card_and_doctor_sees_it_fixed(make_bot, azureml_sandbox):
    break_the_setup(azureml_sandbox)
    teams = await make_bot(**azureml_sandbox.env, BOT_ADMINS="")  # Alice is the College Team's admin
    card = await teams.ask("doctor")
    assert {a["title"] for a in card_actions(card)} >= FIX_BUTTONS, text_of(card)

    card = await fix(teams, card, "Install it")
    assert "✅ Installed" in text_of(card) and "Install it" not in {a["title"] for a in card_actions(card)}
    card = await fix(teams, card, "Create it")
    assert "Created the service connection aml-workspace-connection" in text_of(card)
    card = await fix(teams, card, "Upload it")
    text = text_of(card)
    assert "Uploaded the secure file config.json" in text and not FIX_BUTTONS & {a["title"] for a in
                                                                                 card_actions(card)}
    assert "aml-workspace-connection passes" in text  # the connection from config.json's principal works
    entries = await services_of(teams).audit.latest(30)
    done = {e.action for e in entries if e.outcome == "ok"}
    assert {"setup.extension", "setup.arm_connection", "setup.secure_file"} <= done


async def test_members_see_no_fix_and_a_forged_click_is_refused(make_bot, azureml_sandbox):
    break_the_setup(azureml_sandbox)
    teams = await make_bot(**azureml_sandbox.env, BOT_ADMINS="")
    card = await teams.ask("doctor", who="bob")
    assert not FIX_BUTTONS & {a["title"] for a in card_actions(card)}
    since = azureml_sandbox.control.last_seq()
    status, refused = await teams.click(verbs.DOCTOR_FIX, {"fix": "extension"}, who="bob")
    assert status == 200 and "Only the team's admins" in text_of(refused)
    assert not [r for r in azureml_sandbox.control.requests(since) if r["method"] not in ("GET", "OPTIONS")]
