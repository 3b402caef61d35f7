"""doctor checks the Azure ML part too: the workspace answers the bot's identity, the model the release ships is
registered, and its newest version passes its onnxruntime check; each failure with its exact next step."""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness.cards import card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (the card once all have answered)


def azureml_items(card: dict) -> dict[str, str]:
    """The last three check blocks (Azure ML's), by their first words."""
    blocks = [b for b in card["body"] if b.get("type") == "Container"]
    texts = [" ".join(card_texts({"body": [b]})).replace("\\", "") for b in blocks]
    assert len(texts) == 12, texts
    return {"workspace": texts[9], "model": texts[10], "model_check": texts[11]}


async def test_doctor_sees_the_workspace_the_shipped_model_and_its_failing_newest_version(make_bot, azureml_sandbox):
    teams = await make_bot(**azureml_sandbox.env, BOT_ADMINS="")
    items = azureml_items(await teams.ask("doctor"))
    assert items["workspace"].startswith("✅") and "college-aml" in items["workspace"]
    assert items["model"].startswith("✅") and "TinyYOLO is registered" in items["model"]
    assert items["model_check"].startswith("❌") and "Version 3" in items["model_check"]
    assert "Do not ship it" in items["model_check"] and "model TinyYOLO 3" in items["model_check"]


async def test_a_wrong_service_principal_secret_says_how_to_renew_it(make_bot, azureml_sandbox, tmp_path):
    config = json.loads(Path(azureml_sandbox.env["AZUREML_CONFIG"]).read_text())
    config["service_principal_password"] = "not-the-secret"
    wrong = tmp_path / "config.json"
    wrong.write_text(json.dumps(config))
    teams = await make_bot(**{**azureml_sandbox.env, "AZUREML_CONFIG": str(wrong)}, BOT_ADMINS="")
    items = azureml_items(await teams.ask("doctor"))
    assert items["workspace"].startswith("❌") and "AADSTS7000215" in items["workspace"]
    assert "Certificates & secrets" in items["workspace"] and "service_principal_password" in items["workspace"]
    assert "not-the-secret" not in items["workspace"]
    assert "Not checked" in items["model"] and "Not checked" in items["model_check"]
