"""deploy and redeploy through the HTTP harness against the sandbox: admins only, a confirmation card with what
ships, the start sent once, and the card following the stage on the sandbox clock until it ends.

Seed ("TinyYOLO to IoT Edge": Dev, QA approved by Dave, Prod approved by Carol): Release-1's QA failed (Prod never
ran), Release-2 waits for Carol on Prod, Release-3 waits for Dave on QA (Prod never ran). A stage is queued, then
(once approved) deploys 2 s later for 60 s (sandbox/state/releases.py)."""

from __future__ import annotations

import asyncio

from cards import verbs
from tests.azureml.conftest import services_of
from tests.harness.cards import card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)

PROJECT = "College"


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def stage_patches(sandbox, since: int) -> list[dict]:
    return [r for r in sandbox.control.requests(since)
            if r["method"] == "PATCH" and "/environments/" in r["path"].lower()]


def stage(sandbox, release_id: int, name: str):
    release = sandbox.control.connection().clients_v7_1.get_release_client().get_release(PROJECT, release_id)
    return next(e for e in release.environments if e.name == name)


def approve_as(sandbox, person: str, release_id: int, stage_name: str) -> None:
    """``person`` approves the stage's pending approval in the portal (with their own identity)."""
    from azure.devops.v7_1.release.models import ReleaseApproval

    client = sandbox.control.connection_as(person).clients_v7_1.get_release_client()
    pending = next(a for a in stage(sandbox, release_id, stage_name).pre_deploy_approvals if a.status == "pending")
    client.update_release_approval(ReleaseApproval(status="approved", comments="ok"), PROJECT, pending.id)


def release_with_a_manual_dev(sandbox) -> int:
    """A new release of the pipeline whose Dev waits to be deployed by hand (every stage notStarted)."""
    from azure.devops.v7_1.release.models import ReleaseStartMetadata

    client = sandbox.control.connection().clients_v7_1.get_release_client()
    definition = next(d for d in client.get_release_definitions(PROJECT) if d.name == "TinyYOLO to IoT Edge")
    created = client.create_release(ReleaseStartMetadata(definition_id=definition.id, manual_environments=["Dev"],
                                                         description="by hand"), PROJECT)
    return created.id


async def ask_and_confirm(teams, command: str, who: str = "alice") -> tuple[dict, dict, str]:
    """Sends the command, expects a confirmation card, clicks Confirm: (question, answer, the card's id)."""
    sent = await teams.say(command, who=who)
    (message,) = [s for s in sent if s.cards]
    confirm = next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM)
    status, answer = await teams.click_action(confirm, who=who, card_id=message.activity_id)
    assert status == 200 and answer is not None
    return message.card, answer, message.activity_id


def updates_of(teams, card_id: str) -> list[dict]:
    return [s.card for s in teams.connector.sent if s.kind == "update" and s.activity_id == card_id and s.cards]


async def until_sent(teams, found) -> dict:
    """The first card the bot has sent (or updated) for which ``found(card)`` holds, waiting for the bot's
    background work as long as it takes (a bound on steps, not a timing: a state that never comes fails)."""
    for _ in range(6000):
        for sent in teams.connector.sent:
            if sent.cards and found(sent.card):
                return sent.card
        await asyncio.sleep(0.01)
    raise AssertionError("the bot never sent the card this test waits for")


async def follow_to_the_end(teams, sandbox, seconds: float = 70) -> None:
    """Moves the sandbox clock past the deployment, then waits until the bot has stopped following it."""
    sandbox.control.advance_clock(seconds)
    await services_of(teams).background.wait_idle(timeout=60)


async def fast(ml_bot):
    services_of(ml_bot).pacing.poll_s = 0.02
    return ml_bot


async def test_deploying_a_stage_that_never_ran_follows_it_to_success_with_a_link(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    release_id = release_with_a_manual_dev(azureml_sandbox)
    since = azureml_sandbox.control.last_seq()
    question, answer, card_id = await ask_and_confirm(teams, f"deploy Release-{release_id} dev")
    text = text_of(question)
    assert f"Deploy Dev of Release-{release_id}?" in text and "Dev · not started" in text
    assert "Azure ML model TinyYOLO version 3: ❌ fails its test data" in text  # the newest version ships
    assert "Requested as College Bot's own Azure DevOps identity (per-user sign-in is off)" in text
    assert f"Deploying Dev of Release-{release_id}" in text_of(answer) and "Confirmed by Alice Admin" in text_of(answer)
    await follow_to_the_end(teams, azureml_sandbox)
    final = updates_of(teams, card_id)[-1]
    text = text_of(final)
    assert f"✅ Dev of Release-{release_id} succeeded" in text and "1 min 2 s" in text  # queued 2 s, deployed 60 s
    assert "Confirmed by Alice Admin" in text
    link = next(a for a in card_actions(final) if a["type"] == "Action.OpenUrl")
    assert link["url"].endswith(f"/College/_releaseProgress?_a=release-pipeline-progress&releaseId={release_id}")
    assert stage(azureml_sandbox, release_id, "Dev").status == "succeeded"
    assert len(stage_patches(azureml_sandbox, since)) == 1
    entries = await services_of(teams).audit.latest(10)
    actions = {(e.action, e.outcome) for e in entries}
    assert {("release.deploy.requested", "ok"), ("release.deploy.started", "ok"), ("release.deploy", "ok"),
            ("release.deploy.finished", "ok")} <= actions


async def test_a_stage_that_comes_to_wait_for_approval_says_so_and_posts_the_approval_card(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    _question, answer, card_id = await ask_and_confirm(teams, "deploy 3 Prod")
    text = text_of(answer)
    assert "⏳ Prod of Release-3 is waiting for approval" in text and "Waiting for Carol Approver to approve" in text
    approval = await until_sent(teams, lambda card: "Approve Prod of Release-3?" in text_of(card))
    assert "TinyYOLO version 3: ❌ fails its test data" in text_of(approval)
    assert "Approve anyway" in {a["title"] for a in card_actions(approval)}  # the model gate, on Carol's card
    # The seeded stages refuse a decision by whoever requested the deployment (VS402923), and the bot requested it
    # with its own identity: both cards say that the approver decides in Azure DevOps.
    for card in (answer, approval):
        assert "a decision made through the bot is refused. Carol Approver: approve or reject it in Azure DevOps" \
            in text_of(card)
    approve_as(azureml_sandbox, "carol", 3, "Prod")
    azureml_sandbox.control.advance_clock(5)
    deploying = await until_sent(teams, lambda card: "🔄 Deploying Prod of Release-3" in text_of(card)
                                 and "Deploying since" in text_of(card))
    assert "updates itself" in text_of(deploying)
    await follow_to_the_end(teams, azureml_sandbox)
    text = text_of(updates_of(teams, card_id)[-1])
    assert "✅ Prod of Release-3 succeeded" in text and "Duration" in text


async def test_an_approver_who_rejects_ends_the_card_with_who_and_why(ml_bot, azureml_sandbox):
    from azure.devops.v7_1.release.models import ReleaseApproval

    teams = await fast(ml_bot)
    _question, _answer, card_id = await ask_and_confirm(teams, "deploy 3 prod")
    carol = azureml_sandbox.control.connection_as("carol").clients_v7_1.get_release_client()
    pending = next(a for a in stage(azureml_sandbox, 3, "Prod").pre_deploy_approvals if a.status == "pending")
    carol.update_release_approval(ReleaseApproval(status="rejected", comments="Version 3 fails its check."), PROJECT,
                                  pending.id)
    await services_of(teams).background.wait_idle(timeout=60)
    text = text_of(updates_of(teams, card_id)[-1])
    assert "❌ Prod of Release-3 rejected" in text
    assert "Rejected by Carol Approver: “Version 3 fails its check.”" in text


async def test_redeploying_a_failed_stage_that_fails_again_ends_failed_with_what_to_do(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    azureml_sandbox.control.deploy_outcome(1, "QA", "failed")
    question, answer, card_id = await ask_and_confirm(teams, "redeploy #1 QA")
    assert "Redeploy QA of Release-1?" in text_of(question) and "QA · failed (attempt 1)" in text_of(question)
    assert "Waiting for Dave Datascientist" in text_of(answer)
    await until_sent(teams, lambda card: "Approve QA of Release-1?" in text_of(card))
    approve_as(azureml_sandbox, "dave", 1, "QA")
    await follow_to_the_end(teams, azureml_sandbox)
    text = text_of(updates_of(teams, card_id)[-1])
    assert "❌ QA of Release-1 failed" in text and "Attempt 2" in text and "redeploy 1 QA" in text
    assert stage(azureml_sandbox, 1, "QA").deploy_steps[-1].status == "failed"
    entries = await services_of(teams).audit.latest(10)
    assert any(e.action == "release.deploy.finished" and e.outcome == "failed" and "failed" in e.detail
               for e in entries)


async def test_a_member_is_refused_and_nothing_is_sent(ml_bot, azureml_sandbox):
    since = azureml_sandbox.control.last_seq()
    for command in ("deploy 3 Prod", "redeploy 1 QA"):
        text = text_of(await ml_bot.ask(command, who="bob"))
        assert "Only the team's admins may use" in text
    assert stage_patches(azureml_sandbox, since) == []
    entries = await services_of(ml_bot).audit.latest(10)
    assert {e.action for e in entries if e.outcome == "refused"} == {"command.deploy", "command.redeploy"}


async def test_unknown_stages_and_releases_say_what_to_type(ml_bot, azureml_sandbox):
    since = azureml_sandbox.control.last_seq()
    text = text_of(await ml_bot.ask("deploy 3 Staging"))
    assert "Release-3 has no stage called 'Staging'. Its stages: Dev, QA, Prod." in text and "Next step" in text
    text = text_of(await ml_bot.ask("deploy 99 Prod"))
    assert "There is no release 99" in text and "Type releases" in text
    assert "not a release number" in text_of(await ml_bot.ask("deploy soon Prod"))
    assert "Which release, and which of its stages?" in text_of(await ml_bot.ask("redeploy 3"))
    assert stage_patches(azureml_sandbox, since) == []


async def test_deploy_and_redeploy_each_point_to_the_other_and_a_running_stage_is_left_alone(ml_bot, azureml_sandbox):
    since = azureml_sandbox.control.last_seq()
    text = text_of(await ml_bot.ask("deploy 1 QA"))
    assert "QA of Release-1 has run already (failed)" in text and "redeploy 1 QA" in text
    text = text_of(await ml_bot.ask("redeploy 3 Prod"))
    assert "Prod of Release-3 has never been deployed" in text and "deploy 3 Prod" in text
    text = text_of(await ml_bot.ask("redeploy 3 QA"))
    assert "QA of Release-3 waits for Dave Datascientist right now" in text and "Already running" in text
    assert stage_patches(azureml_sandbox, since) == []


async def test_two_confirmed_requests_for_one_stage_start_it_once(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    confirms = []
    for _ in range(2):  # Alice asks twice (two cards), then confirms both at once
        (message,) = [s for s in await teams.say("redeploy 2 Dev") if s.cards]
        confirms.append((next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM),
                         message.activity_id))
    since = azureml_sandbox.control.last_seq()
    # the first PATCH is held a moment in the sandbox: a second start not held back by the first would go out
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="/environments/", delay_ms=1000, count=1)
    answers = await asyncio.gather(*(teams.click_action(action, card_id=card_id) for action, card_id in confirms))
    assert [r["status"] for r in stage_patches(azureml_sandbox, since)] == [200]
    texts = sorted(text_of(card) for _status, card in answers)
    assert "Already running" in texts[0] and "Deploying Dev of Release-2" in texts[1]
    assert stage(azureml_sandbox, 2, "Dev").deploy_steps[-1].attempt == 2
    await follow_to_the_end(teams, azureml_sandbox)


async def test_a_stage_whose_progress_is_refused_stops_being_followed_and_says_where_to_look(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    _question, _answer, card_id = await ask_and_confirm(teams, "redeploy 2 Dev")
    azureml_sandbox.control.add_fault(method="GET", path_regex="/environments/", status=403)
    since = azureml_sandbox.control.last_seq()
    await services_of(teams).background.wait_idle(timeout=60)  # asking again would not help: it stops
    text = text_of(updates_of(teams, card_id)[-1])
    assert "Its progress cannot be read" in text and "Next step" in text and "updates itself" not in text
    reads = [r for r in azureml_sandbox.control.requests(since) if "/environments/" in r["path"]]
    # (a read already under way when the fault came may still answer 200) one refusal, and no read after it
    assert [r["status"] for r in reads if r["status"] != 200] == [403] and reads[-1]["status"] == 403


async def test_a_lost_answer_to_the_start_is_not_a_second_start(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="/environments/", status=503, phase="after")
    since = azureml_sandbox.control.last_seq()
    _question, answer, _card_id = await ask_and_confirm(teams, "redeploy 2 Dev")
    azureml_sandbox.control.clear_faults()
    assert [r["status"] for r in stage_patches(azureml_sandbox, since)] == [503]
    assert "Deploying Dev of Release-2" in text_of(answer) and "Attempt 2" in text_of(answer)
    dev = stage(azureml_sandbox, 2, "Dev")
    assert dev.deploy_steps[-1].attempt == 2 and dev.status in ("queued", "inProgress")
    await follow_to_the_end(teams, azureml_sandbox)


async def test_a_throttled_start_is_sent_again_after_retry_after(ml_bot, azureml_sandbox):
    teams = await fast(ml_bot)
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="/environments/", status=429, retry_after=1,
                                      count=1)
    since = azureml_sandbox.control.last_seq()
    _question, answer, _card_id = await ask_and_confirm(teams, "redeploy 2 Dev")
    assert [r["status"] for r in stage_patches(azureml_sandbox, since)] == [429, 200]
    assert "Deploying Dev of Release-2" in text_of(answer)
    assert stage(azureml_sandbox, 2, "Dev").deploy_steps[-1].attempt == 2
    azureml_sandbox.control.advance_clock(5)
    (answer,) = [s.card for s in await teams.say("redeploy 2 Dev") if s.kind == "send"]  # not the follower's
    text = text_of(answer)  # while it deploys, it is left alone
    assert "Dev of Release-2 is being deployed right now" in text and "Already running" in text
    await follow_to_the_end(teams, azureml_sandbox)
    assert len(stage_patches(azureml_sandbox, since)) == 2


async def test_without_manage_deployments_the_card_names_the_permission(make_bot, azureml_sandbox):
    env = {**azureml_sandbox.env, "AZURE_DEVOPS_PAT": azureml_sandbox.control.pat_of("erin"),  # a Stakeholder
           "OAUTH_CONNECTION_NAME": ""}  # the bot's own identity deploys
    teams = await make_bot(**env)  # Alice is an admin through BOT_ADMINS
    since = azureml_sandbox.control.last_seq()
    _question, answer, _card_id = await ask_and_confirm(teams, "redeploy 2 Dev")
    text = text_of(answer)
    assert "Not allowed" in text and "“Manage deployments” permission" in text and "AZURE_DEVOPS_PAT" in text
    assert [r["status"] for r in stage_patches(azureml_sandbox, since)] == [403]
    assert stage(azureml_sandbox, 2, "Dev").status == "succeeded"
    entries = await services_of(teams).audit.latest(10)
    assert any(e.action == "release.deploy" and e.outcome == "failed" for e in entries)


# per-user sign-in: the admin deploys as herself, the approver decides as himself ---------------------------------
async def test_signed_in_the_admin_deploys_as_herself_and_the_approver_decides_through_the_bot(make_bot,
                                                                                            azureml_sandbox):
    from tests.azureml.test_sign_in import oauth_cards, sign_in_page
    from tests.harness.people import person

    teams = await fast(await make_bot(**azureml_sandbox.env, BOT_ADMINS=person("alice").aad_object_id))
    sent = await teams.say("deploy 3 Prod", who="alice")
    (message,) = [s for s in sent if s.cards]
    confirm = next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM)
    since = azureml_sandbox.control.last_seq()
    before = len(teams.connector.sent)
    _status, asked = await teams.click_action(confirm, who="alice", card_id=message.activity_id)
    assert "Sign in to Azure DevOps first" in text_of(asked) and stage_patches(azureml_sandbox, since) == []
    [prompt] = oauth_cards(teams.connector.sent[before:])
    code = await sign_in_page(prompt["buttons"][0]["value"], "alice")
    await teams.say(code, who="alice")  # signed in: her Confirm is carried out without clicking again
    approval = await until_sent(teams, lambda card: "Approve Prod of Release-3?" in text_of(card))
    assert "decision made through the bot is refused" not in text_of(approval)  # she requested it, not the bot
    assert len(stage_patches(azureml_sandbox, since)) == 1
    run = stage(azureml_sandbox, 3, "Prod")
    assert run.deploy_steps[-1].requested_by.unique_name == person("alice").upn
    azureml_sandbox.control.sign_in("carol")
    pending = next(a for a in run.pre_deploy_approvals if a.status == "pending")
    _status, decided = await teams.click(verbs.APPROVAL_DECIDE, {"approval": pending.id, "release": 3,
                                                                  "decision": "approved", "override": "yes",
                                                                  "reason": "Demo build."}, who="carol")
    assert "Approved: Prod of Release-3" in text_of(decided)
    await follow_to_the_end(teams, azureml_sandbox)
    assert "✅ Prod of Release-3 succeeded" in text_of(updates_of(teams, message.activity_id)[-1])


async def test_signed_in_without_manage_deployments_the_card_names_the_person(make_bot, azureml_sandbox):
    from tests.harness.people import person

    teams = await make_bot(**azureml_sandbox.env, BOT_ADMINS=person("erin").aad_object_id)  # a Stakeholder
    azureml_sandbox.control.sign_in("erin")
    since = azureml_sandbox.control.last_seq()
    _question, answer, _card_id = await ask_and_confirm(teams, "redeploy 2 Dev", who="erin")
    text = text_of(answer)
    assert f"Azure DevOps does not let {person('erin').name} deploy" in text and "Manage deployments" in text
    assert "AZURE_DEVOPS_PAT" not in text
    assert [r["status"] for r in stage_patches(azureml_sandbox, since)] == [403]
