"""`doctor` through a real Teams client (the Agents Playground in headless Chromium) against `python app.py` and the
sandbox: the rendered card, a broken item with its next step, and the card's buttons."""

from __future__ import annotations

import base64
import urllib.request

import pytest

from tests.e2e.teams_ui import Teams

TITLES = [
    "Project College exists",
    "Team College Team exists",
    "College Team has members",
    "Repository aidevcollege is imported",
    "A GitHub connection passes TestConnection",
    "An Azure Resource Manager connection passes TestConnection",
    "Secure file config.json is uploaded",
    "Extension ms-air-aiagility.vss-services-azureml is installed",
    "A release pipeline has an Azure ML model artifact",
]
ML_TITLES = [  # the sandbox's Azure ML is configured too: doctor checks it, and the shipped model's newest fails
    "Azure ML workspace college-aml answers the bot",
    "TinyYOLO is registered in college-aml",
    "TinyYOLO's newest version passes its test data",
]
EXPECTED = {**dict.fromkeys(TITLES, "✅"), ML_TITLES[0]: "✅", ML_TITLES[1]: "✅", ML_TITLES[2]: "❌"}
CHECK_S = 120.0  # the model check of TinyYOLO 3 runs in its own process (seconds; a cold machine builds models)


def _sandbox_call(settings: dict[str, str], method: str, url: str) -> None:
    auth = base64.b64encode(f":{settings['AZURE_DEVOPS_PAT']}".encode()).decode()
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None,
                                     headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json",
                                              "Accept": "application/json;api-version=7.1-preview.1"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture
def seeded_sandbox(sandbox_settings: dict[str, str]):
    """The sandbox back at its seed before and after the test (other e2e tests share it)."""
    reset = f"{sandbox_settings['SANDBOX_CONTROL_URL']}/reset"
    _sandbox_call(sandbox_settings, "POST", reset)
    yield sandbox_settings
    _sandbox_call(sandbox_settings, "POST", reset)


def uninstall_ml_extension(settings: dict[str, str]) -> None:
    """Through the sandbox's ExtensionManagement API (the SDK), as an organization admin would in the portal."""
    from azure.devops.connection import Connection
    from msrest.authentication import BasicAuthentication

    connection = Connection(base_url=settings["AZURE_DEVOPS_ORG_URL"],
                            creds=BasicAuthentication("", settings["AZURE_DEVOPS_PAT"]))
    connection.clients_v7_1.get_extension_management_client().uninstall_extension_by_name(
        "ms-air-aiagility", "vss-services-azureml")


def check_lines(card_text: str) -> dict[str, str]:
    """title -> the symbol the rendered card shows in front of it."""
    out = {}
    for line in card_text.splitlines():
        for title in TITLES + ML_TITLES:
            if line.strip().endswith(title):
                out[title] = line.strip().split(" ", 1)[0]
    return out


def test_doctor_in_personal_chat(teams: Teams, seeded_sandbox) -> None:
    teams.open_personal_chat()
    reply = teams.send("doctor")
    teams.screenshot("doctor-all-pass")

    assert reply.cards, f"doctor answered without a card: {reply.raw}"
    text = teams.wait_for_text(teams.last_card(), "11 of 12 checks pass", CHECK_S)
    teams.screenshot("doctor-all-but-the-model")
    assert "Workshop readiness · College" in text, text
    assert check_lines(text) == EXPECTED, text
    assert "Do not ship it" in text
    assert "aml-workspace-connection passes; legacy-arm-connection does not" in text


def test_doctor_shows_the_next_step_for_a_missing_extension_then_passes(teams: Teams, seeded_sandbox) -> None:
    uninstall_ml_extension(seeded_sandbox)
    teams.open_personal_chat()
    teams.send("doctor")
    card = teams.last_card()
    text = teams.wait_for_text(card, "10 of 12 checks pass", CHECK_S)
    teams.screenshot("doctor-extension-missing")
    assert check_lines(text)["Extension ms-air-aiagility.vss-services-azureml is installed"] == "❌", text
    assert "Next step:" in text
    assert "https://marketplace.visualstudio.com/items?itemName=ms-air-aiagility.vss-services-azureml" in text

    _sandbox_call(seeded_sandbox, "POST", f"{seeded_sandbox['SANDBOX_CONTROL_URL']}/reset")  # installed again
    call = teams.click_card_button("Check again", card)
    teams.screenshot("doctor-check-again")
    assert call.response.get("statusCode") == 200, call.response
    text = teams.wait_for_text(card, "11 of 12 checks pass", CHECK_S)
    assert check_lines(text) == EXPECTED, text


def test_service_connections_button_shows_the_expired_secret(teams: Teams, seeded_sandbox) -> None:
    teams.open_personal_chat()
    teams.send("doctor")
    card = teams.last_card()
    teams.click_card_button("Service connections", card)
    teams.screenshot("connections-from-doctor")
    text = card.inner_text()
    assert "Service connections" in text and "legacy-arm-connection" in text, text
    assert "client secret has expired" in text and "AADSTS7000222" in text
    assert "Renew the secret in Microsoft Entra ID" in text
