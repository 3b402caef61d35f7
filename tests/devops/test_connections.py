"""connections through the HTTP harness against the sandbox: live TestConnection verdicts, the expired secret's
reason and next step, a renewed secret passing, a hanging test reported as timed out while the others show."""

from __future__ import annotations

import asyncio

from bot.pacing import Pacing
from bot.services.devops.connections import ServiceConnections
from cards import verbs
from tests.devops.conftest import devops_of, services_of
from tests.harness.cards import card_actions, card_texts, rich_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (fixtures: step-by-step pacing)

RENEWED_SECRET = "Rn4~sandbox-renewed-secret-2c7d0e4b9a"  # sandbox/world/credentials.json: the legacy app's new one
EXPIRED_APP = "9b7c1e2d-4a5f-4c3b-8e6d-2f1a0b9c8d7e"


def text_of(card: dict) -> str:
    return "\n".join(card_texts(card) + rich_texts(card))


def block_of(card: dict, name: str) -> str:
    """The text of one connection's block in the card."""
    for item in card["body"]:
        if item.get("type") == "Container":
            texts = text_of({"body": [item]})
            if f"**{name}**" in texts.replace("\\-", "-"):
                return texts
    raise AssertionError(f"no block for {name} in {text_of(card)}")


async def test_every_connection_with_type_scheme_ready_last_use_and_live_verdict(devops_bot, devops_sandbox):
    since = devops_sandbox.last_seq()
    card = await devops_bot.ask("connections")
    github = block_of(card, "GitHub")
    assert "✅" in github and "TestConnection passed" in github
    assert "Personal access token" in github and "yes" in github
    assert "succeeded · TinyYOLO to IoT Edge · Release-" in github and "days ago" in github
    aml = block_of(card, "aml-workspace-connection")
    assert "✅" in aml and "Azure Resource Manager" in aml and "Service principal (secret)" in aml
    legacy = block_of(card, "legacy-arm-connection")
    assert "❌" in legacy and "failed · TinyYOLO to IoT Edge" in legacy
    # every connection was really tested, concurrently with the history reads
    proxied = [r for r in devops_sandbox.requests(since) if "endpointproxy" in r["path"].lower()]
    assert len(proxied) == 3 and all(r["method"] == "POST" and r["status"] == 200 for r in proxied)
    assert {"Test again", "Run doctor"} <= {a["title"] for a in card_actions(card)}


async def test_expired_secret_fails_with_the_services_reason_and_the_next_step(devops_bot):
    card = await devops_bot.ask("connections")
    legacy = block_of(card, "legacy-arm-connection")
    assert "client secret has expired" in legacy
    assert "AADSTS7000222" in legacy and "Failed to obtain the Json Web Token(JWT)" in legacy  # the service's words
    assert "Renew the secret in Microsoft Entra ID" in legacy and EXPIRED_APP in legacy
    assert "Certificates & secrets → New client secret" in legacy
    assert "Project settings → Service connections → legacy-arm-connection → Edit" in legacy
    assert "1 need attention" in text_of(card)


async def test_updating_the_connection_with_the_renewed_secret_makes_it_pass(devops_bot, devops_sandbox):
    service = ServiceConnections(devops_of(devops_bot))
    legacy = next(c for c in await service.list() if c.name == "legacy-arm-connection")
    updated = await service.update_secret(legacy.id, RENEWED_SECRET)
    assert updated.id == legacy.id and "serviceprincipalkey" not in {k.lower() for k in updated.parameters}
    card = await devops_bot.ask("connections")
    assert "✅" in block_of(card, "legacy-arm-connection")
    assert "all pass" in text_of(card)
    # and a wrong secret says so, with its own reason
    await service.update_secret(legacy.id, "not-the-secret")
    card = await devops_bot.ask("connections")
    block = block_of(card, "legacy-arm-connection")
    assert "AADSTS7000215" in block and "wrong client secret" in block


def verdicts(card: dict) -> dict[str, str]:
    """connection name -> the symbol of its verdict."""
    out = {}
    for name in ("GitHub", "aml-workspace-connection", "legacy-arm-connection"):
        out[name] = block_of(card, name).split(" ", 1)[0]
    return out


async def test_a_hanging_test_is_reported_as_timed_out_while_the_others_show(make_bot, devops_sandbox, pacing):
    # the first card goes out once every test but the hanging one has its verdict
    pacing.ready = lambda card: list(verdicts(card).values()).count("⏳") <= 1
    teams = await make_bot(**devops_sandbox.env, BOT_ADMINS="", CONNECTION_TEST_TIMEOUT_S="1.5")
    services = services_of(teams)
    # the first TestConnection to arrive hangs (faults match the path; the endpoint id is in the query)
    devops_sandbox.add_fault(path_regex="serviceendpoint/endpointproxy", delay_ms=30_000, count=1)
    sent = await teams.say("connections")
    # a card at once, with every connection: one still testing, the two others with their verdicts
    assert len(sent) == 1
    first = sent[0].card
    symbols = verdicts(first)
    hanging = [name for name, symbol in symbols.items() if symbol == "⏳"]
    assert len(hanging) == 1, symbols
    (hung,) = hanging
    expected = {"GitHub": "✅", "aml-workspace-connection": "✅", "legacy-arm-connection": "❌"}
    assert {n: s for n, s in symbols.items() if n != hung} == {n: s for n, s in expected.items() if n != hung}
    assert "testing" in block_of(first, hung) and "updates itself" in text_of(first)
    assert card_actions(first) == [a for a in card_actions(first) if a["type"] == "Action.OpenUrl"]  # no buttons yet
    assert not [s for s in teams.connector.sent if s.kind == "update"]
    # its time runs out: the same message is updated in place, timed out, the others unchanged
    pacing.expire()
    await services.background.wait_idle(timeout=30)
    updates = [s for s in teams.connector.sent if s.kind == "update"]
    assert len(updates) == 1 and updates[0].activity_id == sent[0].activity_id
    final = updates[0].card
    assert verdicts(final) == {**expected, hung: "⏱️"}
    block = block_of(final, hung)
    assert "timed out after 1.5 s" in block and "Type connections again" in block
    assert {"Test again", "Run doctor"} <= {a["title"] for a in card_actions(final)}


async def test_test_again_button_answers_the_invoke(devops_bot):
    sent = await devops_bot.say("connections")
    status, card = await devops_bot.click(
        next(a for a in card_actions(sent[0].card) if a["title"] == "Test again")["verb"], card_id=sent[0].activity_id)
    assert status == 200 and "legacy-arm-connection" in text_of(card)


async def test_a_failing_azure_devops_is_an_error_card_not_a_crash(devops_bot, devops_sandbox):
    devops_sandbox.add_fault(path_regex="serviceendpoint/endpoints", status=503)
    card = await devops_bot.ask("connections")
    text = text_of(card)
    assert "Service unavailable" in text or "Azure DevOps" in text
    assert "Try again" in text


async def test_without_azure_devops_it_says_what_to_configure(teams):
    text = text_of(await teams.ask("connections"))
    assert "AZURE_DEVOPS_ORG_URL" in text


async def test_test_again_with_a_slow_test_answers_the_click_at_once_then_updates_that_card(make_bot, devops_sandbox,
                                                                                            pacing):
    teams = await make_bot(**{**devops_sandbox.env, "BOT_ADMINS": "", "CONNECTION_TEST_TIMEOUT_S": "1.5"})
    sent = await teams.say("connections")
    devops_sandbox.add_fault(path_regex="serviceendpoint/endpointproxy", delay_ms=30_000)
    pacing.ready = lambda card: True  # the click is answered without waiting for anything
    status, card = await teams.click(verbs.CONNECTIONS_TEST, card_id=sent[0].activity_id)
    # the click is answered without waiting for the (hanging) tests: every row still testing
    assert status == 200 and set(verdicts(card).values()) == {"⏳"}
    pacing.expire()
    await services_of(teams).background.wait_idle(timeout=30)
    (update,) = [s for s in teams.connector.sent if s.kind == "update"]
    assert update.activity_id == sent[0].activity_id
    assert set(verdicts(update.card).values()) == {"⏱️"}


async def test_a_throttled_test_says_when_to_try_again_while_the_others_show(devops_bot, devops_sandbox):
    # the first TestConnection gets a 429 asking for 30 s: more than a user should wait, so no retry
    devops_sandbox.add_fault(path_regex="serviceendpoint/endpointproxy", status=429, retry_after=30, count=1)
    card = await devops_bot.ask("connections")
    symbols = verdicts(card)
    throttled = [name for name, symbol in symbols.items() if symbol == "⚠️"]
    assert len(throttled) == 1, symbols
    block = block_of(card, throttled[0])
    assert "could not be run" in block and "throttling" in block and "Try again in 30 seconds" in block
    assert sorted(s for n, s in symbols.items() if n != throttled[0]) in (["✅", "✅"], ["✅", "❌"])


async def test_the_production_pacing_answers_when_the_work_ends_or_within_its_time():
    production = Pacing(poll_s=0)
    done: asyncio.Future = asyncio.get_running_loop().create_future()
    done.set_result(None)
    await production.first_answer(done, lambda: None, within_s=3600)  # returns: the work is done
    never: asyncio.Future = asyncio.get_running_loop().create_future()
    await production.first_answer(never, lambda: None, within_s=0)  # returns: the time has passed
    await production.time_up(0)
    await production.poll()
    assert not never.done()
