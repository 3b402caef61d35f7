"""subscribe / subscriptions / unsubscribe and POST /api/devops/events through the HTTP harness against the sandbox,
which delivers the service hooks itself when its world changes (sandbox/hook_delivery.py).

The bot listens on a loopback port chosen before it starts, so BOT_PUBLIC_URL can name it. The sandbox's control
calls wait for the deliveries they cause, and those deliveries reach the bot on this test's event loop: so the
tests make control calls from a thread (``control``), never blocking the loop the bot answers on.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from types import SimpleNamespace

import pytest
from aiohttp import web

from cards import verbs
from tests.azureml.conftest import services_of
from tests.harness.cards import card_actions, card_texts
from tests.harness.processes import free_port
from tests.harness.teams import TeamsClient, where

P = "College"
DEPLOY = 62  # QUEUED_SECONDS + DEPLOY_SECONDS of sandbox/state/releases.py
APPROVALS = "37794717-f36f-4d78-b2bf-4dc30d0cfbcd"
SECRET = "a-known-secret-for-this-test-only-0123456789"


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")



@pytest.fixture
async def hooks_bot(aiohttp_client, connector, tmp_path, azureml_sandbox):
    """The bot with every setting the sandbox prints, listening at BOT_PUBLIC_URL (a loopback port)."""
    from app import create_app
    from bot.settings import load_settings

    port = free_port()
    settings = {**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": "", "BOT_ADMINS": "",
                "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": True, "STORE_URL": f"sqlite:///{tmp_path}/bot.db",
                "BOT_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    client = await aiohttp_client(create_app(load_settings(_env_file=None, **settings)),
                                  server_kwargs={"port": port, "host": "127.0.0.1"})
    teams = TeamsClient(client, connector, connector.url)
    services_of(teams).pacing.poll_s = 0.02
    return teams


async def control(sandbox, name: str, *args, **kwargs):
    """A control call of the sandbox from a thread (it waits for deliveries that this loop's bot answers)."""
    return await asyncio.to_thread(getattr(sandbox.control, name), *args, **kwargs)


def hooks_client(sandbox):
    return sandbox.control.connection().clients_v7_1.get_service_hooks_client()


async def until_posted(teams, conversation_id: str, found) -> dict:
    """The first card sent to ``conversation_id`` for which ``found(card)`` holds (bounded by steps, not time)."""
    for _ in range(6000):
        for sent in teams.connector.sent:
            if sent.conversation_id == conversation_id and sent.cards and found(sent.card):
                return sent.card
        await asyncio.sleep(0.01)
    raise AssertionError("the bot never posted the card this test waits for")


async def settled(teams) -> None:
    await services_of(teams).background.wait_idle(timeout=60)


CHANNEL = where("channel", "alice").conversation_id


async def test_subscribe_lists_and_unsubscribe_in_azure_devops_and_here(hooks_bot, azureml_sandbox):
    teams = hooks_bot
    card = await teams.ask("subscribe approvals", at="channel")
    assert "Subscribed" in text_of(card) and "approvals waiting" in text_of(card)
    made = hooks_client(azureml_sandbox).list_subscriptions()
    assert sorted(s.event_type for s in made) == ["ms.vss-pipelinechecks-events.approval-pending",
                                                  "ms.vss-release.deployment-approval-pending-event"]
    for subscription in made:
        assert subscription.consumer_inputs["url"] == azureml_sandbox_url(teams) + "/api/devops/events"
        assert subscription.consumer_inputs["basicAuthPassword"] == "********"
        assert subscription.status == "enabled"
    stored = await services_of(teams).store.list_hook_subscriptions(CHANNEL)
    assert len(stored) == 1 and set(stored[0].devops_ids) == {s.id for s in made}
    assert stored[0].secret_hash and all(stored[0].secret_hash not in str(s.consumer_inputs) for s in made)

    await teams.ask('subscribe deployments definition "TinyYOLO to IoT Edge" stage "Prod" failures only',
                    at="channel")
    (deployments,) = [s for s in hooks_client(azureml_sandbox).list_subscriptions()
                      if s.event_type == "ms.vss-release.deployment-completed-event"]
    assert deployments.publisher_inputs["releaseEnvironmentStatus"] == "16"
    assert deployments.publisher_inputs["releaseDefinitionId"] and deployments.publisher_inputs["releaseEnvironmentId"]

    listed = text_of(await teams.ask("subscriptions", at="channel", who="bob"))  # everyone may list
    assert "**1.** approvals waiting" in listed and "✅ active" in listed
    assert "**2.** deployments that fail of TinyYOLO to IoT Edge, stage Prod" in listed
    assert "personal" not in listed and "None yet" in text_of(await teams.ask("subscriptions"))  # per conversation

    gone = await teams.ask("unsubscribe 1", at="channel")
    assert "Unsubscribed" in text_of(gone) and "approvals waiting" in text_of(gone)
    assert [s.id for s in hooks_client(azureml_sandbox).list_subscriptions()] == [deployments.id]
    listed = text_of(await teams.ask("subscriptions", at="channel"))
    assert "**1.** deployments that fail" in listed and "approvals waiting" not in listed


def azureml_sandbox_url(teams) -> str:
    return services_of(teams).settings.bot_public_url


async def test_only_admins_subscribe_and_mistakes_say_what_to_type(hooks_bot, azureml_sandbox):
    teams = hooks_bot
    refused = text_of(await teams.ask("subscribe approvals", who="bob", at="channel"))
    assert "admin" in refused.lower()
    assert hooks_client(azureml_sandbox).list_subscriptions() == []
    assert "approvals, deployments or builds" in text_of(await teams.ask("subscribe everything", at="channel"))
    assert "no release definition" in text_of(await teams.ask('subscribe deployments definition "Nope"',
                                                              at="channel"))
    assert "no subscription 3" in text_of(await teams.ask("unsubscribe 3", at="channel"))


async def test_an_approval_made_pending_arrives_as_its_approval_card(hooks_bot, azureml_sandbox):
    teams = hooks_bot
    await teams.ask("subscribe approvals", at="channel")
    made = await control(azureml_sandbox, "pending_approval", "carol", release_id=3, stage="QA")
    card = await until_posted(teams, CHANNEL, lambda c: "Approve QA of Release-3?" in text_of(c))
    decide = [a for a in card_actions(card) if a.get("verb") == verbs.APPROVAL_DECIDE]
    assert decide and all(a["data"]["approval"] == made["approval_id"] for a in decide)
    assert "TinyYOLO version 3" in text_of(card)  # what it ships, read back from Azure DevOps and Azure ML

    # the approver decides right there, under the rules of `approvals`: only Carol, once
    reject = next(a for a in decide if a["data"].get("decision") == "rejected")
    status, answer = await teams.click_action(reject, who="dave", at="channel")
    assert status == 200 and "Rejected" not in text_of(answer)
    status, answer = await teams.click_action(reject, who="carol", at="channel")
    assert status == 200 and "Rejected" in text_of(answer)
    release = azureml_sandbox.control.connection().clients_v7_1.get_release_client().get_release(P, 3)
    qa = next(e for e in release.environments if e.name == "QA")
    assert {a.id: a.status for a in qa.pre_deploy_approvals}[made["approval_id"]] == "rejected"


async def test_a_yaml_approval_made_pending_arrives_as_its_approval_card(hooks_bot, azureml_sandbox):
    teams = hooks_bot
    await teams.ask('subscribe approvals definition "tinyyolo-edge-deploy"', at="channel")
    made = await control(azureml_sandbox, "pending_approval", "carol", run_id=102, environment="edge-staging")
    card = await until_posted(teams, CHANNEL, lambda c: any(
        a.get("verb") == verbs.RUN_APPROVAL_DECIDE for a in card_actions(c)))
    assert {a["data"]["approval"] for a in card_actions(card) if a.get("verb") == verbs.RUN_APPROVAL_DECIDE} == {
        made["approval_id"]}
    assert "tinyyolo-edge-deploy" in text_of(card)


async def test_a_failed_deployment_arrives_with_the_model_a_link_and_redeploy(hooks_bot, azureml_sandbox):
    from azure.devops.v7_1.release.models import ReleaseApproval

    teams = hooks_bot
    await teams.ask('subscribe deployments definition "TinyYOLO to IoT Edge" failures only', at="channel")
    await control(azureml_sandbox, "deploy_outcome", 2, "Prod", "failed")
    carol = azureml_sandbox.control.connection_as("carol").clients_v7_1.get_release_client()
    pending = next(a for a in carol.get_approvals(P) if a.release.id == 2)
    await asyncio.to_thread(carol.update_release_approval, ReleaseApproval(status="approved", comments="ok"), P,
                            pending.id)
    await control(azureml_sandbox, "advance_clock", DEPLOY)
    card = await until_posted(teams, CHANNEL, lambda c: "Prod of Release-2 failed" in text_of(c))
    text = text_of(card)
    assert "TinyYOLO version 2" in text and "Release-2" in text
    link = next(a for a in card_actions(card) if a["type"] == "Action.OpenUrl")
    assert link["url"].endswith("releaseId=2")
    redeploy = next(a for a in card_actions(card) if a.get("verb") == verbs.RELEASE_REDEPLOY)

    status, answer = await teams.click_action(redeploy, who="bob", at="channel")  # not an admin
    assert status == 200 and "admin" in text_of(answer).lower()
    status, answer = await teams.click_action(redeploy, at="channel")
    assert status == 200 and "Redeploy Prod of Release-2?" in text_of(answer)
    assert verbs.CONFIRM in {a.get("verb") for a in card_actions(answer)}


async def test_a_successful_deployment_is_left_out_with_failures_only(hooks_bot, azureml_sandbox):
    from azure.devops.v7_1.release.models import ReleaseApproval

    teams = hooks_bot
    await teams.ask("subscribe deployments failures only", at="channel")
    await teams.ask("subscribe deployments", at="group")
    dave = azureml_sandbox.control.connection_as("dave").clients_v7_1.get_release_client()
    pending = next(a for a in dave.get_approvals(P) if a.release.id == 3)
    await asyncio.to_thread(dave.update_release_approval, ReleaseApproval(status="approved", comments="ok"), P,
                            pending.id)
    await control(azureml_sandbox, "advance_clock", DEPLOY)
    group = where("group", "alice").conversation_id
    await until_posted(teams, group, lambda c: "QA of Release-3 succeeded" in text_of(c))
    await settled(teams)
    assert not [s for s in teams.connector.sent if s.conversation_id == CHANNEL and s.cards
                and "Release-3" in text_of(s.card)]


async def test_a_failed_build_arrives_with_pipeline_branch_and_who_pushed(hooks_bot, azureml_sandbox):
    teams = hooks_bot
    await teams.ask("subscribe builds failures only", at="channel")
    carol = azureml_sandbox.control.connection_as("carol").clients_v7_1.get_pipelines_client()

    def reject() -> None:
        pending = carol._send(http_method="GET", location_id=APPROVALS, version="7.1-preview.1",
                              route_values={"project": P}, query_parameters={"state": "pending"}).json()["value"]
        carol._send(http_method="PATCH", location_id=APPROVALS, version="7.1-preview.1", route_values={"project": P},
                    content=[{"approvalId": pending[0]["id"], "status": "rejected", "comment": "no"}])

    await asyncio.to_thread(reject)
    await control(azureml_sandbox, "advance_clock", 0)  # the deliveries the rejection caused have been answered
    card = await until_posted(teams, CHANNEL, lambda c: "Build 20261128.1 of tinyyolo-edge-deploy failed" in text_of(c))
    text = text_of(card)
    assert "master" in text and "Bob" in text
    assert any(a["type"] == "Action.OpenUrl" and a["url"].endswith("buildId=102") for a in card_actions(card))


# ---- the endpoint itself ------------------------------------------------------------------------------------------
def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def known_subscription(teams, monkeypatch) -> tuple[str, tuple[str, ...]]:
    """``subscribe approvals`` in the channel with a secret this test knows: (the bot's id, Azure DevOps ids)."""
    import bot.commands.subscriptions as module

    monkeypatch.setattr(module, "secrets", SimpleNamespace(token_urlsafe=lambda n: SECRET))
    await teams.ask("subscribe approvals", at="channel")
    (stored,) = await services_of(teams).store.list_hook_subscriptions(CHANNEL)
    return stored.id, stored.devops_ids


def event(devops_id: str, event_id: str = "6f0c7a8e-0000-4000-8000-000000000001", **resource) -> dict:
    """An approval-pending event for the seed's approval 4 (Release-3 QA, Dave); its texts say otherwise."""
    return {"subscriptionId": devops_id, "notificationId": 7, "id": event_id,
            "eventType": "ms.vss-release.deployment-approval-pending-event", "publisherId": "rm",
            "message": {"text": "Approve HACKED now"},
            "resource": {"approval": {"id": 4, "release": {"id": 3, "name": "HACKED"},
                                      "releaseEnvironment": {"name": "HACKED"}}, **resource}}


async def post(teams, body, authorization: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await teams.http.post("/api/devops/events", data=data, headers=headers)
    return response.status


async def test_a_wrong_or_missing_secret_is_401_and_logged_without_the_secret(hooks_bot, azureml_sandbox,
                                                                             monkeypatch, caplog):
    teams = hooks_bot
    subscription_id, devops_ids = await known_subscription(teams, monkeypatch)
    caplog.set_level(logging.INFO)
    assert await post(teams, event(devops_ids[0]), None) == 401
    assert await post(teams, event(devops_ids[0]), basic(subscription_id, "not-the-secret-xyz")) == 401
    assert await post(teams, event(devops_ids[0]), basic("someone-else", SECRET)) == 401
    assert await post(teams, event(devops_ids[0]), "Bearer abc") == 401
    refused = [r for r in caplog.records if r.getMessage() == "service hook delivery refused"]
    assert len(refused) == 4
    assert SECRET not in caplog.text and "not-the-secret-xyz" not in caplog.text
    await settled(teams)
    assert not [s for s in teams.connector.sent if s.conversation_id == CHANNEL and s.kind == "send"
                and s.cards and "Approve" in text_of(s.card)]


async def test_a_repeated_delivery_posts_once_and_only_the_ids_are_believed(hooks_bot, azureml_sandbox, monkeypatch):
    teams = hooks_bot
    subscription_id, devops_ids = await known_subscription(teams, monkeypatch)
    before = len(teams.connector.sent)
    for _ in range(3):
        assert await post(teams, event(devops_ids[0]), basic(subscription_id, SECRET)) == 200
    await settled(teams)
    posted = [s for s in teams.connector.sent[before:] if s.conversation_id == CHANNEL and s.cards]
    assert len(posted) == 1
    text = text_of(posted[0].card)
    assert "Approve QA of Release-3?" in text and "HACKED" not in text  # the facts are Azure DevOps'


async def test_a_body_that_is_not_a_known_event_is_400(hooks_bot, azureml_sandbox, monkeypatch):
    teams = hooks_bot
    subscription_id, devops_ids = await known_subscription(teams, monkeypatch)
    auth = basic(subscription_id, SECRET)
    assert await post(teams, b"not json", auth) == 400
    assert await post(teams, b'{"a": 1, "a": 2}', auth) == 400
    assert await post(teams, {**event(devops_ids[0]), "eventType": "git.push"}, auth) == 400
    assert await post(teams, {**event(devops_ids[0]), "eventType": "build.complete"}, auth) == 400  # not approvals
    assert await post(teams, event("another-subscription"), auth) == 400
    assert await post(teams, {k: v for k, v in event(devops_ids[0]).items() if k != "id"}, auth) == 400


async def test_a_subscription_azure_devops_disabled_shows_as_disabled_with_the_next_step(hooks_bot, azureml_sandbox,
                                                                                          monkeypatch):
    import bot.devops_events as module

    teams = hooks_bot
    await teams.ask("subscribe approvals", at="channel")

    async def failing(request, services):
        return web.Response(status=500)

    monkeypatch.setattr(module, "receive", failing)  # the bot fails every delivery (a broken deployment)
    await control(azureml_sandbox, "pending_approval", "carol", release_id=3, stage="QA")
    assert "on probation" in text_of(await teams.ask("subscriptions", at="channel"))
    await control(azureml_sandbox, "advance_clock", 37 * 3600)  # every retry over 36 hours fails
    monkeypatch.undo()
    listed = text_of(await teams.ask("subscriptions", at="channel"))
    assert "disabled by Azure DevOps" in listed
    assert "unsubscribe 1 and subscribes again" in listed


async def test_a_conversation_that_removed_the_bot_has_its_subscriptions_paused_then_resumed(hooks_bot,
                                                                                             azureml_sandbox):
    teams = hooks_bot
    await teams.ask("subscribe approvals", at="channel")
    teams.connector.refuse[CHANNEL] = 403  # the bot was removed from the channel
    await control(azureml_sandbox, "pending_approval", "carol", release_id=3, stage="QA")
    await settled(teams)
    [stored] = await services_of(teams).store.list_hook_subscriptions(CHANNEL)
    assert "removed" in stored.paused and "403" in stored.paused
    refused = teams.connector.refused
    await control(azureml_sandbox, "pending_approval", "dave", release_id=3, stage="QA")
    await settled(teams)
    assert teams.connector.refused == refused  # paused: nothing more is sent there

    del teams.connector.refuse[CHANNEL]  # back in the channel: listing the subscriptions there resumes them
    assert "active again" in text_of(await teams.ask("subscriptions", at="channel"))
    made = await control(azureml_sandbox, "pending_approval", "carol", release_id=2, stage="Prod")
    card = await until_posted(teams, CHANNEL, lambda c: "Approve Prod of Release-2?" in text_of(c))
    assert any(a.get("data", {}).get("approval") == made["approval_id"] for a in card_actions(card))
