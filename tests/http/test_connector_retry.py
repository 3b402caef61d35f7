"""What the bot sends survives Teams' throttling (429 with Retry-After) and transient 5xx answers."""

import pytest

from tests.harness.cards import card_texts


@pytest.mark.parametrize("statuses", [[429], [503, 502], [412, 504, 429]])
async def test_reply_is_delivered_once_after_transient_failures(teams, statuses):
    teams.connector.fail_next = list(statuses)
    sent = await teams.say("whoami")
    assert len(sent) == 1 and "Alice Admin" in card_texts(sent[0].card)
    assert teams.connector.refused == len(statuses)


async def test_a_permanent_failure_is_not_retried(teams):
    teams.connector.fail_next = [403]
    sent = await teams.say("whoami")
    assert teams.connector.refused == 1
    # the reply was refused; the apology that follows goes through and names a correlation id
    assert len(sent) == 1 and "Reference" in " ".join(card_texts(sent[0].card)).replace("reference", "Reference")
