"""Two College Bot processes behind one address, as App Service runs two instances behind Azure's load balancer:
both on one Azure Blob Storage store (a container on Azurite), a round-robin proxy in front of them
(tests/harness/processes.py), the sandbox behind them and the connector stand-in for Teams.

What happens once, whichever instance each request lands on, counted where it shows: the sandbox's request log
(calls that reached Azure DevOps) and the connector stand-in (messages that reached Teams):
- a Teams activity delivered again (Teams retries when an answer is slow) to the other instance;
- simultaneous Approve clicks on different instances: one decision;
- a confirmation clicked on both: one create;
- a scheduled digest: sent by one instance, and by the other, once, when its holder is killed mid-digest;
- a service-hook event delivered again to the other instance: one card.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bot.store import DigestSchedule, open_store
from bot.store.azblob_url import DEV_ACCOUNT_KEY
from cards import verbs
from tests.azurite_fixtures import ACCOUNT, CONNECTION_STRING
from tests.harness.cards import card_actions, card_texts
from tests.harness.connector import updates_of
from tests.harness.people import person
from tests.harness.processes import BotProcess, RoundRobin, free_port
from tests.harness.teams import TeamsClient, where

CHANNEL = where("channel", "alice").conversation_id
CAROL_APPROVAL = {"approval": 3, "release": 2}  # pending for Carol in the sandbox's seeded world
GITHUB_TOKEN = "ghp_sandboxCollegeBot0000000000000000000"  # sandbox/world/credentials.json
TICK_S = 0.2  # each instance looks at the schedules this often
LEASE_S = 4  # a lease unrenewed for this long is taken over (renewed every third of it: room for a loaded CI)


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


@dataclass
class Instances:
    bots: list[BotProcess]
    proxy: RoundRobin
    teams: TeamsClient  # Teams, talking to the proxy's address
    public: str  # the proxy's address (BOT_PUBLIC_URL: where service hooks post too)
    store_url: str

    async def stored_text(self) -> str:
        """Every blob of the store's container, as text (to look for what must never be stored)."""
        from azure.storage.blob.aio import ContainerClient

        endpoint, account, container = self.store_url.removeprefix("azblob://").split("/")
        client = ContainerClient(f"http://{endpoint}/{account}", container,
                                 credential={"account_name": account, "account_key": DEV_ACCOUNT_KEY})
        async with client:
            texts = [(await (await client.download_blob(blob.name)).readall()).decode(errors="replace")
                     async for blob in client.list_blobs()]
        return "\n".join(texts)

    def holding(self, holder: str) -> BotProcess:
        """The instance whose process holds a lease (holders are "<host>:<pid>:<random>")."""
        pid = int(holder.split(":")[1])
        return next(bot for bot in self.bots if bot.pid == pid)


@pytest.fixture
async def instances(tmp_path, azureml_sandbox, azurite_blob, connector, aiohttp_server) -> AsyncIterator[Instances]:
    ports = [free_port(), free_port()]
    proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
    server = await aiohttp_server(proxy.app(), host="127.0.0.1")
    public = str(server.make_url("")).rstrip("/")
    store_url = f"azblob://{azurite_blob.removeprefix('http://')}/{ACCOUNT}/t{uuid.uuid4().hex[:20]}"
    env = {**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": "", "BOT_ADMINS": person("alice").aad_object_id,
           "STORE_URL": store_url, "AZURE_STORAGE_CONNECTION_STRING": CONNECTION_STRING,
           "BOT_PUBLIC_URL": public, "DIGEST_TICK_SECONDS": str(TICK_S), "LEASE_SECONDS": str(LEASE_S),
           "PENDING_SECRETS_KEY": Fernet.generate_key().decode()}  # one key for both, from Key Vault in Azure
    # each instance its own disk, as in App Service (the SDK's cache of API locations is a file written as read)
    bots = [BotProcess(tmp_path, {**env, "AZURE_DEVOPS_CACHE_DIR": str(tmp_path / f"sdk-cache-{n}")},
                       name=f"instance-{n}", port=port) for n, port in enumerate(ports)]
    try:
        await asyncio.gather(*(bot.start() for bot in bots))
        async with aiohttp.ClientSession(base_url=public) as http:
            yield Instances(bots, proxy, TeamsClient(http, connector, connector.url), public, store_url)
    finally:
        for bot in bots:
            bot.stop()


async def until(predicate, what: str, bound: int = 1200) -> None:
    """Waits for ``predicate()``, plain or async (a bound on the number of looks, not a timing assertion)."""
    for _ in range(bound):
        holds = predicate()
        if await holds if inspect.isawaitable(holds) else holds:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def asked(instances: Instances, command: str) -> tuple[dict, str]:
    """Says ``command`` and returns its confirmation card and the card's id. A slow answer (a loaded machine) comes
    as a provisional card that the question replaces later, as Teams shows it: this waits for that."""
    (message,) = [s for s in await instances.teams.say(command) if s.cards]
    card_id, connector = message.activity_id, instances.teams.connector

    def question() -> dict | None:
        cards = [message.card] + [s.card for s in connector.sent
                                  if s.kind == "update" and s.activity_id == card_id and s.cards]
        return next((c for c in reversed(cards) if any(a.get("verb") == verbs.CONFIRM for a in card_actions(c))),
                    None)

    await until(lambda: question() is not None, f"the confirmation card of {command!r}")
    return question(), card_id


async def outcome_text(connector, answer: dict, card_id: str) -> str:
    """What a Confirm click ended with: its answer, or, when the work took longer than a card action may (a loaded
    machine), the card's update that replaced the "working on it" answer."""
    if "Working on it" not in text_of(answer):
        return text_of(answer)

    def final() -> list[str]:
        return [t for t in card_updates(connector, card_id) if "Working on it" not in t]

    await until(lambda: bool(final()), "the confirmed work's outcome on its card", bound=2400)
    return final()[-1]


def instances_reached(proxy: RoundRobin, since: int, path: str) -> set[int]:
    return {p.instance for p in proxy.passed[since:] if p.path == path}


async def test_a_retried_activity_landing_on_the_other_instance_is_handled_once(instances, connector):
    teams = instances.teams
    activity = teams.activity("message", text="whoami", who="bob")
    since = len(instances.proxy.passed)
    answers = await asyncio.gather(teams.post(activity), teams.post(activity))  # Teams' retry, at the same moment
    answers.append(await teams.post(activity))  # and once more after both answered
    assert all(status in (200, 201) for status, _ in answers), answers
    assert instances_reached(instances.proxy, since, "/api/messages") == {0, 1}
    replies = [s for s in connector.sent if s.activity.get("replyToId") == activity["id"]]
    assert len(replies) == 1, [s.activity for s in replies]


async def test_simultaneous_approve_clicks_on_both_instances_give_one_decision(instances, azureml_sandbox):
    control = azureml_sandbox.control
    # a slow PATCH: the other instance's click reads "pending" meanwhile unless the store's lease holds it back
    control.add_fault(method="PATCH", path_regex="approvals", delay_ms=800)
    since, passed = control.last_seq(), len(instances.proxy.passed)
    click = {**CAROL_APPROVAL, "decision": "approved"}
    answers = await asyncio.gather(*(instances.teams.click(verbs.APPROVAL_DECIDE, click, who="carol")
                                     for _ in range(4)))
    assert instances_reached(instances.proxy, passed, "/api/messages") == {0, 1}
    patches = [r for r in control.requests(since) if r["method"] == "PATCH" and "approvals" in r["path"].lower()]
    assert len(patches) == 1
    texts = [text_of(card) for _, card in answers]
    assert sum("Already decided" in t for t in texts) == 3 and all("Approved" in t for t in texts)
    releases = control.connection().clients_v7_1.get_release_client()
    decided = next(a for a in releases.get_approvals("College", status_filter="undefined", top=100) if a.id == 3)
    assert decided.status == "approved"


async def test_a_confirmation_clicked_on_both_instances_is_taken_once(instances, azureml_sandbox):
    teams, control = instances.teams, azureml_sandbox.control
    question, card_id = await asked(instances, "repo create two-instances")
    confirm = next(a for a in card_actions(question) if a.get("verb") == verbs.CONFIRM)
    since, passed = control.last_seq(), len(instances.proxy.passed)
    answers = await asyncio.gather(*(teams.click_action(confirm, card_id=card_id) for _ in range(2)))
    assert instances_reached(instances.proxy, passed, "/api/messages") == {0, 1}
    creates = [r for r in control.requests(since) if r["method"] == "POST" and r["path"].endswith("git/repositories")]
    assert len(creates) == 1
    git = control.connection().clients_v7_1.get_git_client()
    assert [r.name for r in git.get_repositories("College")].count("two-instances") == 1
    texts = [await outcome_text(instances.teams.connector, card, card_id) for _, card in answers]
    assert sum("Created two-instances" in t for t in texts) == 1 and any("already" in t.lower() for t in texts), texts


async def _schedule_due_now(instances: Instances) -> datetime:
    """Puts a daily digest for the channel whose latest due time was a minute ago, as if set an hour ago (a
    schedule made through `digest daily` would first be due tomorrow); returns that due time."""
    await instances.teams.say("digest status", at="channel")  # the bot now knows the channel (its reference)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    due = now - timedelta(minutes=1)
    store = await open_store(instances.store_url, CONNECTION_STRING)
    try:
        await store.put_schedule(DigestSchedule(CHANNEL, "daily", due.strftime("%H:%M"), "UTC",
                                                person("alice").aad_object_id, now - timedelta(hours=1)))
    finally:
        await store.close()
    return due


def digests_to_channel(connector) -> list:
    return [s for s in connector.sent if s.conversation_id == CHANNEL and s.cards
            and s.card["body"][0].get("text") == "Digest"]


async def last_due(instances: Instances) -> datetime | None:
    store = await open_store(instances.store_url, CONNECTION_STRING)
    try:
        return (await store.get_schedule(CHANNEL)).last_due
    finally:
        await store.close()


async def test_a_scheduled_digest_is_sent_once_by_one_of_two_instances(instances, connector):
    due = await _schedule_due_now(instances)

    async def marked() -> bool:
        return await last_due(instances) == due

    await until(marked, "the digest was sent and marked")
    await asyncio.sleep(LEASE_S + 10 * TICK_S)  # both instances look again, several times: nothing more is sent
    assert len(digests_to_channel(connector)) == 1
    senders = [bot.name for bot in instances.bots if "scheduled digest sent" in bot.log()]
    assert len(senders) == 1, senders


async def test_an_instance_killed_mid_digest_leaves_it_to_the_other_which_sends_it_once(instances, connector,
                                                                                       azureml_sandbox):
    control = azureml_sandbox.control
    # the first digest read is held in the sandbox: whichever instance took the lease is then mid-digest
    control.add_fault(method="GET", path_regex="_apis/build/builds", delay_ms=60_000, count=1)
    due = await _schedule_due_now(instances)
    await until(lambda: control.faults() == [], "an instance is mid-digest (its read is held)")
    store = await open_store(instances.store_url, CONNECTION_STRING)
    try:
        holder = await store.lease_holder(f"digest:{CHANNEL}", datetime.now(UTC))
        assert holder is not None
        killed = instances.holding(holder)
        killed.kill()
        survivor = next(bot for bot in instances.bots if bot is not killed)

        async def sent_by_survivor() -> bool:
            return (await store.get_schedule(CHANNEL)).last_due == due

        await until(sent_by_survivor, "the other instance took the digest over and sent it")
        async def released() -> bool:  # by the survivor, once sent and marked
            return await store.lease_holder(f"digest:{CHANNEL}", datetime.now(UTC)) is None

        await until(released, "the survivor released the digest's lease")
    finally:
        await store.close()
    await asyncio.sleep(10 * TICK_S)
    assert len(digests_to_channel(connector)) == 1
    assert "scheduled digest sent" in survivor.log() and "scheduled digest sent" not in killed.log()


async def test_a_service_hook_event_delivered_again_to_the_other_instance_posts_once(instances, connector,
                                                                                    azureml_sandbox):
    teams = instances.teams
    assert "Subscribed" in text_of(await teams.ask("subscribe approvals", at="channel"))
    since = azureml_sandbox.control.last_seq()
    made = await asyncio.to_thread(azureml_sandbox.control.pending_approval, "carol", release_id=3, stage="QA")

    def cards() -> list:
        return [s for s in connector.sent if s.conversation_id == CHANNEL and s.cards
                and "Approve QA of Release-3?" in text_of(s.card)]

    await until(lambda: bool(cards()), "the approval card was posted")
    (delivery,) = [p for p in instances.proxy.passed if p.path == "/api/devops/events"]
    assert delivery.status == 200
    hooks = [r for r in azureml_sandbox.control.requests(since) if r["origin"] == "hooks"]
    assert len(hooks) == 1
    # Azure DevOps delivers it again (its answer was lost): once to each instance, at the same moment
    async with aiohttp.ClientSession() as http:
        async def again() -> int:
            async with http.post(instances.public + delivery.path,
                                 data=delivery.body, headers=delivery.headers) as answer:
                return answer.status

        passed = len(instances.proxy.passed)
        assert await asyncio.gather(again(), again()) == [200, 200]
    assert instances_reached(instances.proxy, passed, "/api/devops/events") == {0, 1}
    await asyncio.sleep(1)
    assert len(cards()) == 1
    assert all(a["data"]["approval"] == made["approval_id"] for a in card_actions(cards()[0].card)
               if a.get("verb") == verbs.APPROVAL_DECIDE)


async def _create_held(instances: Instances, control, name: str, delay_ms: int):
    """`repo create <name>` confirmed through the proxy with its create held in the sandbox for ``delay_ms``;
    returns the card's id, the request log's seq before, the instance doing the work, and the click."""
    teams = instances.teams
    question, card_id = await asked(instances, f"repo create {name}")
    confirm = next(a for a in card_actions(question) if a.get("verb") == verbs.CONFIRM)
    since = control.last_seq()
    control.add_fault(method="POST", path_regex="git/repositories$", delay_ms=delay_ms, count=1)
    passed = len(instances.proxy.passed)
    click = asyncio.ensure_future(teams.click_action(confirm, card_id=card_id))
    await until(lambda: control.faults() == [], "the create is held in the sandbox")
    doing = instances.bots[instances.proxy.passed[passed].instance]
    return card_id, since, doing, click


def creates_of(control, since: int) -> list[dict]:
    return [r for r in control.requests(since) if r["method"] == "POST" and r["path"].endswith("git/repositories")]


def card_updates(connector, card_id: str) -> list[str]:
    return [text_of(card) for card in updates_of(connector, card_id)]


async def test_work_in_flight_on_one_instance_is_not_taken_over_by_the_other(instances, connector, azureml_sandbox):
    control = azureml_sandbox.control
    card_id, since, doing, click = await _create_held(instances, control, "slow-but-alive", delay_ms=3 * LEASE_S * 1000)
    # meanwhile the other instance looks for interrupted work every half lease: this one's lease is renewed
    await click
    await until(lambda: any("Created slow-but-alive" in t for t in card_updates(connector, card_id)),
                "the card shows the outcome", bound=2400)
    assert len(creates_of(control, since)) == 1
    assert not any("restarted" in t for t in card_updates(connector, card_id))
    other = next(bot for bot in instances.bots if bot is not doing)
    assert "resuming interrupted work" not in other.log() and "resuming interrupted work" not in doing.log()


async def test_work_of_a_killed_instance_is_finished_by_the_other_once(instances, connector, azureml_sandbox):
    control = azureml_sandbox.control
    card_id, since, doing, click = await _create_held(instances, control, "orphaned", delay_ms=1500)
    doing.kill()  # after Azure DevOps received the create: the sandbox carries it out, as the service does
    click.cancel()
    survivor = next(bot for bot in instances.bots if bot is not doing)
    await until(lambda: any("Created orphaned" in t and "Finished after the bot restarted" in t
                            for t in card_updates(connector, card_id)),
                "the other instance finished the work on its card", bound=2400)
    assert len(creates_of(control, since)) == 1  # checked, found done, not sent again
    assert "resuming interrupted work" in survivor.log()
    git = control.connection().clients_v7_1.get_git_client()
    assert [r.name for r in git.get_repositories("College")].count("orphaned") == 1


async def test_an_import_with_credentials_asked_on_one_instance_is_confirmed_on_the_other(instances,
                                                                                          azureml_sandbox):
    teams, control = instances.teams, azureml_sandbox.control
    passed = len(instances.proxy.passed)
    question, card_id = await asked(instances, f"repo import https://college-bot:{GITHUB_TOKEN}@github.com/"
                                               "college-org/private-models as private-models")
    confirm = next(a for a in card_actions(question) if a.get("verb") == verbs.CONFIRM)
    since = control.last_seq()
    status, answer = await teams.click_action(confirm, card_id=card_id)
    asked_on, confirmed_on = (p.instance for p in instances.proxy.passed[passed:])
    assert asked_on != confirmed_on
    outcome = await outcome_text(teams.connector, answer, card_id)
    assert status == 200 and ("Importing into private-models" in outcome or "Imported private-models" in outcome)
    assert "no longer hold the credentials" not in outcome, outcome
    endpoints = [r for r in control.requests(since)
                 if r["method"] == "POST" and r["path"].lower().endswith("/serviceendpoint/endpoints")]
    assert len(endpoints) == 1  # the credentials went into the import's temporary service connection
    git = control.connection().clients_v7_1.get_git_client()
    repo = git.get_repository("private-models", "College")
    (request,) = git.query_import_requests("College", repo.id, include_abandoned=True)
    assert request.parameters.service_endpoint_id
    stored = await instances.stored_text()
    assert "private-models" in stored and GITHUB_TOKEN not in stored  # sealed in the store, never in plain text


async def test_two_confirmed_redeploys_of_one_stage_on_both_instances_start_it_once(instances, azureml_sandbox):
    teams, control = instances.teams, azureml_sandbox.control
    confirms = []
    for _ in range(2):  # Alice asks twice (two cards, two confirmation tokens), then confirms both at once
        question, card_id = await asked(instances, "redeploy 2 Dev")
        confirms.append((next(a for a in card_actions(question) if a.get("verb") == verbs.CONFIRM), card_id))
    since, passed = control.last_seq(), len(instances.proxy.passed)
    # the first PATCH is held a moment: a start on the other instance not held back by the store's lease would go out
    control.add_fault(method="PATCH", path_regex="/environments/", delay_ms=1500, count=1)
    answers = await asyncio.gather(*(teams.click_action(action, card_id=card_id) for action, card_id in confirms))
    assert instances_reached(instances.proxy, passed, "/api/messages") == {0, 1}
    starts = [r for r in control.requests(since) if r["method"] == "PATCH" and "/environments/" in r["path"].lower()]
    assert [r["status"] for r in starts] == [200]
    texts = sorted([await outcome_text(instances.teams.connector, card, card_id)
                    for (_status, card), (_action, card_id) in zip(answers, confirms, strict=True)])
    assert "Already running" in texts[0] and "Deploying Dev of Release-2" in texts[1], texts


async def test_a_model_version_asked_for_on_both_instances_at_once_is_checked_once(instances, connector):
    teams = instances.teams
    passed = len(instances.proxy.passed)
    await asyncio.gather(teams.say("model TinyYOLO 1"), teams.say("model TinyYOLO 1", who="bob"))
    assert instances_reached(instances.proxy, passed, "/api/messages") == {0, 1}

    def verdicts() -> dict[str, str]:  # the newest card in each conversation (an update replaces a progress card)
        return {s.conversation_id: text_of(s.card) for s in connector.sent if s.cards}

    await until(lambda: len(verdicts()) == 2 and all("passes its test data" in t for t in verdicts().values()),
                "both people see the verdict", bound=2400)
    started = sum(bot.log().count("model check started") for bot in instances.bots)
    assert started == 1  # one instance checked the file; the other waited for it and read its result
