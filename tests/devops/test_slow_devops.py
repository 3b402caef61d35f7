"""A slow Azure DevOps never holds a typed command: the person gets a "working on it" card within the pacing's
time (4 s in production; here the test decides the moment) and the command's own answer replaces it in place."""

from __future__ import annotations

from tests.devops.conftest import services_of
from tests.harness.cards import card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (fixtures: step-by-step pacing)


def text_of(card: dict) -> str:
    return " ".join(card_texts(card))


async def slow_bot(make_bot, devops_sandbox, pacing):
    """The bot against the sandbox, warmed up (the SDK's first location lookups done), answering at once."""
    teams = await make_bot(**devops_sandbox.env, BOT_ADMINS="")
    await teams.ask("repos")
    pacing.slow_turns = True  # every typed command answers without waiting for its work
    pacing.ready = lambda card: True  # and so does work inside it
    return teams


async def test_a_slow_command_answers_with_a_progress_card_that_becomes_the_answer(make_bot, devops_sandbox, pacing):
    teams = await slow_bot(make_bot, devops_sandbox, pacing)
    devops_sandbox.add_fault(path_regex="_apis/git/repositories", delay_ms=1500, count=1)
    (progress,) = await teams.say("repos")
    assert progress.kind == "send" and "Working on repos" in text_of(progress.card)
    await services_of(teams).background.wait_idle(timeout=30)
    (update,) = [s for s in teams.connector.sent if s.kind == "update"]
    assert update.activity_id == progress.activity_id and "aidevcollege" in text_of(update.card)


async def test_a_slow_command_that_fails_ends_with_its_error_card(make_bot, devops_sandbox, pacing):
    teams = await slow_bot(make_bot, devops_sandbox, pacing)
    devops_sandbox.add_fault(path_regex="_apis/git/repositories", status=404, delay_ms=500, count=1)
    (progress,) = await teams.say("repos")
    await services_of(teams).background.wait_idle(timeout=30)
    (update,) = [s for s in teams.connector.sent if s.kind == "update"]
    assert update.activity_id == progress.activity_id
    assert "Not found" in text_of(update.card) and "Next step" in text_of(update.card)


async def test_work_inside_a_slow_command_shares_its_one_card(make_bot, devops_sandbox, pacing):
    """connections has its own progress card (⏳ rows): in a slow turn it replaces the "working on it" card
    instead of posting a second card, then the final verdicts replace it too."""
    teams = await slow_bot(make_bot, devops_sandbox, pacing)
    devops_sandbox.add_fault(path_regex="serviceendpoint/endpoints", delay_ms=500, count=1)
    sent = await teams.say("connections")
    pacing.expire()  # the TestConnections that hang get their timeout verdict
    await services_of(teams).background.wait_idle(timeout=30)
    posted = [s for s in teams.connector.sent if s.kind == "send"]
    assert len(sent) == 1 and posted[-1].activity_id == sent[0].activity_id  # one card for the whole turn
    updates = [s for s in teams.connector.sent if s.kind == "update"]
    assert updates and {u.activity_id for u in updates} == {sent[0].activity_id}
    assert "Service connections" in text_of(updates[-1].card) and "Testing" not in text_of(updates[-1].card)
