"""Per-user sign-in through the HTTP harness against the sandbox's token service: signin / signout / whoami,
magic codes, Teams' verifyState, and approvals decided with the approver's own Azure DevOps token (Azure DevOps
records them), the click carried out after the sign-in without clicking again; the bot's identity only when
OAUTH_CONNECTION_NAME is not set.

Seed: approval 3 waits for Carol (Prod of Release-2, ships TinyYOLO 2, which passes its check)."""

from __future__ import annotations

import aiohttp
import pytest

from cards import verbs
from tests.azureml.conftest import services_of
from tests.azureml.test_approvals import CAROL_APPROVAL, approval, patches, text_of
from tests.harness.cards import card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)
from tests.harness.people import person

OAUTH = "application/vnd.microsoft.card.oauth"


@pytest.fixture
async def signin_bot(make_bot, azureml_sandbox):
    """The bot with every setting the sandbox prints, per-user sign-in included (OAUTH_CONNECTION_NAME)."""
    return await make_bot(**azureml_sandbox.env, BOT_ADMINS="")


def oauth_cards(sent) -> list[dict]:
    return [a["content"] for s in sent for a in s.activity.get("attachments") or [] if a.get("contentType") == OAUTH]


async def release_card(bot, who: str = "carol") -> dict:
    """Her classic release approval's card among the approvals cards (the YAML one comes too)."""
    cards = [s.card for s in await bot.say("approvals", who=who) if s.cards]
    return next(c for c in cards if "Approve Prod of Release-2?" in text_of(c))


def cards_text(sent) -> str:
    return " ".join(" ".join(card_texts(c)) for s in sent for c in s.cards).replace("\\", "")


async def sign_in_page(link: str, who: str) -> str:
    """What the person does on the sign-in page the card opens: chooses who they are; the page shows the code."""
    async with aiohttp.ClientSession() as session:
        async with session.get(link) as page:
            assert page.status == 200 and person(who).name in await page.text()
        async with session.post(link, data={"person": who}, headers={"Accept": "application/json"}) as done:
            assert done.status == 200
            return (await done.json())["code"]


async def test_healthz_says_whose_identity_decides(signin_bot, make_bot, azureml_sandbox):
    health = await (await signin_bot.http.get("/healthz")).json()
    assert health["decisions"] == {"identity": "per-user sign-in", "oauth_connection": "AzureDevOps"}
    plain = await make_bot(**{**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": ""})
    health = await (await plain.http.get("/healthz")).json()
    assert health["decisions"]["identity"] == "the bot's identity"
    assert "OAUTH_CONNECTION_NAME" in health["decisions"]["why"]


async def test_signin_with_the_code_then_whoami_and_signout(signin_bot, azureml_sandbox):
    whoami = text_of(await signin_bot.ask("whoami", who="carol"))
    assert "Signed in to Azure DevOps" in whoami and "no: type signin" in whoami
    sent = await signin_bot.say("signin", who="carol")
    [card] = oauth_cards(sent)
    assert card["connectionName"] == "AzureDevOps" and card["buttons"][0]["type"] == "signin"
    code = await sign_in_page(card["buttons"][0]["value"], "carol")
    done = await signin_bot.say(code, who="carol")
    assert "Signed in to Azure DevOps as Carol Approver" in cards_text(done)
    assert "yes, as Carol Approver" in text_of(await signin_bot.ask("whoami", who="carol"))
    assert "You are signed in to Azure DevOps as Carol Approver" in text_of(await signin_bot.ask("signin", who="carol"))
    assert "Signed out of Azure DevOps" in text_of(await signin_bot.ask("signout", who="carol"))
    assert "no: type signin" in text_of(await signin_bot.ask("whoami", who="carol"))
    entries = await services_of(signin_bot).audit.latest(10)
    assert [e.action for e in entries if e.action in ("signin", "signout")][:2] == ["signout", "signin"]


async def test_a_wrong_or_used_code_signs_no_one_in(signin_bot, azureml_sandbox):
    sent = await signin_bot.say("signin", who="carol")
    code = await sign_in_page(oauth_cards(sent)[0]["buttons"][0]["value"], "carol")
    wrong = "000000" if code != "000000" else "111111"
    assert "That code did not sign you in" in cards_text(await signin_bot.say(wrong, who="carol"))
    assert "Signed in" in cards_text(await signin_bot.say(code, who="carol"))
    await signin_bot.ask("signout", who="carol")
    assert "That code did not sign you in" in cards_text(await signin_bot.say(code, who="carol"))  # used once
    refused = [e for e in await services_of(signin_bot).audit.latest(10) if e.action == "signin"]
    assert sum(e.outcome == "refused" for e in refused) == 2


async def test_approve_before_signing_in_asks_to_sign_in_then_decides_as_carol(signin_bot, azureml_sandbox):
    card = await release_card(signin_bot)
    assert "Decided with your own Azure DevOps identity" in text_of(card)
    since = azureml_sandbox.control.last_seq()
    before = len(signin_bot.connector.sent)
    status, waiting = await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved",
                                                                      "comment": "Looks good on the edge box."},
                                             who="carol", card_id="card-7")
    assert status == 200 and "Sign in to Azure DevOps first" in text_of(waiting)
    [prompt] = oauth_cards(signin_bot.connector.sent[before:])
    assert patches(azureml_sandbox, since) == [] and approval(azureml_sandbox, 3).status == "pending"

    code = await sign_in_page(prompt["buttons"][0]["value"], "carol")
    after = await signin_bot.say(code, who="carol")
    assert "Signed in to Azure DevOps as Carol Approver" in cards_text(after)
    updated = [s for s in after if s.kind == "update" and s.activity_id == "card-7"]
    assert updated and "Approved: Prod of Release-2" in cards_text(updated)
    found = approval(azureml_sandbox, 3)
    assert found.status == "approved" and found.approved_by.unique_name == person("carol").upn  # Azure DevOps: Carol
    assert found.comments == "Looks good on the edge box. (decided in Microsoft Teams)"
    assert len(patches(azureml_sandbox, since)) == 1
    outcomes = [(e.action, e.outcome) for e in await services_of(signin_bot).audit.latest(10)]
    assert ("approval.approved", "sign-in required") in outcomes and ("approval.approved", "ok") in outcomes


async def test_teams_verify_state_finishes_the_sign_in_and_the_decision(signin_bot, azureml_sandbox):
    before = len(signin_bot.connector.sent)
    await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "rejected"}, who="carol",
                           card_id="card-9")
    [prompt] = oauth_cards(signin_bot.connector.sent[before:])
    code = await sign_in_page(prompt["buttons"][0]["value"], "carol")
    status, _ = await signin_bot.post(signin_bot.activity("invoke", who="carol", name="signin/verifyState",
                                                          value={"state": code}))
    assert status == 200
    found = approval(azureml_sandbox, 3)
    assert found.status == "rejected" and found.approved_by.unique_name == person("carol").upn
    await signin_bot.ask("signout", who="carol")
    status, _ = await signin_bot.post(signin_bot.activity("invoke", who="carol", name="signin/verifyState",
                                                          value={"state": "123456"}))
    assert status == 404


async def test_signed_in_as_someone_else_is_refused_before_any_call(signin_bot, azureml_sandbox):
    # Carol's Teams account signed in to Azure DevOps as Bob (the sign-in page lets anyone choose anyone)
    azureml_sandbox.control.sign_in("bob", user_id=person("carol").teams_id)
    since = azureml_sandbox.control.last_seq()
    _status, card = await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"},
                                           who="carol")
    assert "You are signed in to Azure DevOps as Bob" in text_of(card) and "signout" in text_of(card)
    assert patches(azureml_sandbox, since) == [] and approval(azureml_sandbox, 3).status == "pending"


async def test_a_signed_in_member_who_is_not_the_approver_is_refused(signin_bot, azureml_sandbox):
    azureml_sandbox.control.sign_in("bob")
    since = azureml_sandbox.control.last_seq()
    _status, card = await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"},
                                           who="bob")
    assert "Only Carol Approver may decide this approval" in text_of(card)
    assert patches(azureml_sandbox, since) == []


async def test_without_a_connection_the_bot_decides_and_says_so(ml_bot, azureml_sandbox):
    card = await release_card(ml_bot)
    assert "Decided with the bot's own Azure DevOps identity" in text_of(card)
    assert "Sign-in is not set up" in text_of(await ml_bot.ask("signin", who="carol"))
    _status, decided = await ml_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"},
                                          who="carol")
    assert "Carol Approver (through College Bot)" in text_of(decided)
    assert "Approved in Microsoft Teams by Carol Approver" in approval(azureml_sandbox, 3).comments


# the exactly-once rules hold with the approver's own token as with the bot's ------------------------------------
async def test_signed_in_double_and_simultaneous_clicks_give_one_decision(signin_bot, azureml_sandbox):
    import asyncio

    azureml_sandbox.control.sign_in("carol")
    since = azureml_sandbox.control.last_seq()
    click = {**CAROL_APPROVAL, "decision": "approved"}
    answers = await asyncio.gather(*(signin_bot.click(verbs.APPROVAL_DECIDE, click, who="carol") for _ in range(4)))
    assert len(patches(azureml_sandbox, since)) == 1
    texts = [text_of(card) for _, card in answers]
    assert sum("Already decided" in t for t in texts) == 3 and all("Carol Approver" in t for t in texts)


async def test_signed_in_lost_answer_and_throttling_make_no_second_decision(signin_bot, azureml_sandbox):
    azureml_sandbox.control.sign_in("carol")
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="approvals", status=503, phase="after", count=1)
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="approvals", status=429, retry_after=1, count=1)
    since = azureml_sandbox.control.last_seq()
    _status, card = await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"},
                                           who="carol")
    azureml_sandbox.control.clear_faults()
    statuses = [r["status"] for r in patches(azureml_sandbox, since)]
    found = approval(azureml_sandbox, 3)
    assert found.status == "approved" and found.approved_by.unique_name == person("carol").upn
    assert "Approved" in text_of(card) and statuses.count(200) + statuses.count(503) == 1, statuses


async def test_azure_devops_refusing_the_person_is_said_as_their_refusal(signin_bot, azureml_sandbox):
    azureml_sandbox.control.sign_in("carol")
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="approvals", status=403, count=1)
    _status, card = await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"},
                                           who="carol")
    assert "Azure DevOps does not let Carol Approver do this" in text_of(card)
    outcomes = [(e.action, e.outcome) for e in await services_of(signin_bot).audit.latest(5)]
    assert ("approval.approved", "failed") in outcomes


# the other ways a sign-in completes ----------------------------------------------------------------------------
async def test_a_token_response_event_resumes_the_click(signin_bot, azureml_sandbox):
    """Web Chat and the Playground hand the token over in a tokens/response event after a sign-in."""
    await signin_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"}, who="carol",
                           card_id="card-3")
    session = azureml_sandbox.control.sign_in("carol")  # the sign-in the channel ran
    sent = await signin_bot.send(signin_bot.activity("event", who="carol", name="tokens/response", value={
        "connectionName": "AzureDevOps", "token": session["token"], "channelId": "msteams"}))
    assert "Signed in to Azure DevOps as Carol Approver" in cards_text(sent)
    assert approval(azureml_sandbox, 3).status == "approved"


async def test_universal_actions_state_signs_in_before_the_action_runs(signin_bot, azureml_sandbox):
    """Teams re-sends the clicked Action.Execute with the sign-in's code in ``state``."""
    sent = await signin_bot.say("signin", who="carol")
    code = await sign_in_page(oauth_cards(sent)[0]["buttons"][0]["value"], "carol")
    status, body = await signin_bot.post(signin_bot.activity(
        "invoke", who="carol", name="adaptiveCard/action", value={
            "action": {"type": "Action.Execute", "verb": verbs.APPROVAL_DECIDE,
                       "data": {**CAROL_APPROVAL, "decision": "approved"}}, "state": code, "trigger": "manual"}))
    assert status == 200 and "Approved: Prod of Release-2" in text_of(body["value"])
    assert approval(azureml_sandbox, 3).approved_by.unique_name == person("carol").upn


async def test_single_sign_on_that_cannot_be_exchanged_asks_teams_for_the_button(signin_bot, azureml_sandbox):
    status, body = await signin_bot.post(signin_bot.activity("invoke", who="carol", name="signin/tokenExchange",
                                                             value={"id": "x1", "connectionName": "AzureDevOps",
                                                                    "token": "not-a-token"}))
    assert status == 412 and body["connectionName"] == "AzureDevOps"
    status, _ = await signin_bot.post(signin_bot.activity("invoke", who="carol", name="signin/tokenExchange",
                                                          value={"id": "x1", "connectionName": "Other", "token": "t"}))
    assert status == 400


async def test_a_yaml_approval_is_decided_as_carol_after_she_signs_in(signin_bot, azureml_sandbox):
    """Azure DevOps lets only the approver's own identity decide a YAML approval: with sign-in, that is Carol."""
    from tests.azureml.test_yaml_approvals import RUN, run_approval, seeded_approval

    approval_id = seeded_approval(azureml_sandbox)
    before = len(signin_bot.connector.sent)
    click = {"approval": approval_id, "run": RUN, "decision": "approved", "comment": "Edge box checked."}
    _status, waiting = await signin_bot.click(verbs.RUN_APPROVAL_DECIDE, click, who="carol", card_id="card-5")
    assert "Sign in to Azure DevOps first" in text_of(waiting)
    [prompt] = oauth_cards(signin_bot.connector.sent[before:])
    code = await sign_in_page(prompt["buttons"][0]["value"], "carol")
    after = await signin_bot.say(code, who="carol")
    assert "Approved: tinyyolo-edge-deploy run 20261128.1" in cards_text([s for s in after if s.kind == "update"])
    step = run_approval(azureml_sandbox, approval_id)["steps"][0]
    assert step["actualApprover"]["displayName"] == "Carol Approver"
    assert step["comment"] == "Edge box checked. (decided in Microsoft Teams)"


async def test_approve_all_asks_to_sign_in_first_then_approves_each(signin_bot, azureml_sandbox):
    from tests.azureml.test_yaml_approvals import RUN, run_approval, seeded_approval

    first = seeded_approval(azureml_sandbox)
    second = azureml_sandbox.control.pending_approval("carol", run_id=RUN, environment="edge-staging")["approval_id"]
    before = len(signin_bot.connector.sent)
    data = {"kind": "run", "run": RUN, "approvals": [first, second]}
    _status, asked = await signin_bot.click(verbs.APPROVALS_APPROVE_ALL, data, who="carol", card_id="card-6")
    assert "Sign in to Azure DevOps first" in text_of(asked)
    [prompt] = oauth_cards(signin_bot.connector.sent[before:])
    code = await sign_in_page(prompt["buttons"][0]["value"], "carol")
    await signin_bot.say(code, who="carol")
    for approval_id in (first, second):
        assert run_approval(azureml_sandbox, approval_id)["steps"][0]["actualApprover"]["displayName"] == \
            "Carol Approver"


async def test_a_token_response_event_with_a_forged_token_signs_no_one_in(signin_bot, azureml_sandbox):
    forged = "eyJhbGciOiJub25lIn0.eyJuYW1lIjoiTWFsbG9yeSIsIm9pZCI6IngifQ."  # {"name": "Mallory", "oid": "x"}
    sent = await signin_bot.send(signin_bot.activity("event", who="carol", name="tokens/response", value={
        "connectionName": "AzureDevOps", "token": forged, "channelId": "msteams"}))
    assert "Signed in" not in cards_text(sent) and "Mallory" not in cards_text(sent)
