"""In a channel, one person's open question (a dialog) never takes over anyone else's messages."""

from __future__ import annotations

from tests.harness.cards import card_texts


def text_of(sent) -> str:
    return " ".join(" ".join(card_texts(s.card)) if s.cards else s.text for s in sent)


async def test_a_dialog_in_a_channel_belongs_to_the_person_who_started_it(devops_bot):
    asked = await devops_bot.say("onboard", at="channel")
    assert "Who should I add" in text_of(asked)

    # Bob's commands are his own; his cancel does not end Alice's question
    assert "College Bot: commands" in text_of(await devops_bot.say("help", who="bob", at="channel"))
    assert text_of(await devops_bot.say("cancel", who="bob", at="channel")) == "There is nothing to cancel."

    # Alice's next message still answers her question
    answered = await devops_bot.say("frank@collegeteam.onmicrosoft.com", at="channel")
    assert "Which access level" in text_of(answered)
    assert text_of(await devops_bot.say("cancel", at="channel")) == "Cancelled. Nothing more will be asked."
