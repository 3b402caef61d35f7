"""The bot over HTTP as Teams talks to it: personal chat, channels with mentions, card actions, installs."""

from __future__ import annotations

import bot.commands  # noqa: F401
from bot.router import REGISTRY
from cards import verbs
from tests.harness.cards import card_actions, card_texts


async def test_help_in_personal_chat_lists_every_command(teams):
    card = await teams.ask("help")
    texts = card_texts(card)
    for spec in REGISTRY.commands:
        assert spec.name in texts, spec.name
        assert spec.help in texts


async def test_channel_needs_a_mention_and_the_mention_is_stripped(teams):
    assert await teams.say("help", at="channel", mention_bot=False) == []
    card = await teams.ask("help", at="channel")
    assert "whoami" in card_texts(card)


async def test_group_chat_mention_with_html_and_entities(teams):
    sent = await teams.say("<p>&nbsp;WHOAMI&nbsp;</p>", at="group")
    assert "Alice Admin" in " ".join(card_texts(sent[0].card))


async def test_own_messages_and_typing_are_ignored(teams):
    echo = teams.activity("message", text="help")
    echo["from"] = dict(echo["recipient"])
    assert await teams.send(echo) == []
    assert await teams.send(teams.activity("typing")) == []


async def test_unknown_command_suggests_the_closest(teams):
    card = await teams.ask("hepl")
    text = " ".join(card_texts(card))
    assert "Did you mean" in text and "**help**" in text
    card = await teams.ask("whoam")
    assert "**whoami**" in " ".join(card_texts(card))


async def test_help_for_one_command_shows_usage_and_examples(teams):
    card = await teams.ask("help audit")
    text = card_texts(card)
    assert "audit [n]" in text and "`audit 25`" in text and "the team's admins" in text


async def test_help_for_a_missing_command_says_what_to_do(teams):
    card = await teams.ask('help "no such thing"')
    text = " ".join(card_texts(card))
    assert "no command called 'no such thing'" in text and "Type help" in text


async def test_whoami_shows_identity_and_roles(teams):
    alice = " ".join(card_texts(await teams.ask("whoami")))
    assert "1ad72e5f-beab-4332-9384-deb085dd5aea" in alice and "admin" in alice
    assert "b3288a75-54ea-4cfd-b455-3f31258f9721" in alice  # the tenant
    assert "alice@collegeteam.onmicrosoft.com" in alice
    bob = " ".join(card_texts(await teams.ask("who am i", who="bob")))
    assert "member" in bob and "admin" not in bob.replace("admins", "")


async def test_audit_is_for_admins_and_refusals_are_audited(teams):
    refused = " ".join(card_texts(await teams.ask("audit", who="bob")))
    assert "Only the team's admins" in refused
    card = await teams.ask("audit 5")
    text = " ".join(card_texts(card))
    assert "command.audit" in text and "Bob Builder" in text and "refused" in text


async def test_audit_argument_is_checked(teams):
    text = " ".join(card_texts(await teams.ask("audit lots")))
    assert "not a number" in text and "1 to 50" in text


async def test_card_action_invoke_answers_200_with_the_card(teams):
    status, card = await teams.click(verbs.HELP_COMMAND, {"command": "whoami"})
    assert status == 200
    assert "whoami" in card_texts(card)


async def test_unknown_verb_answers_an_error_card_not_500(teams):
    status, card = await teams.click("no.such.verb", {})
    assert status == 200
    assert "This button is not known" in " ".join(card_texts(card))


async def test_action_submit_routes_by_verb(teams):
    sent = await teams.send(teams.activity("message", value={"verb": verbs.HELP_COMMAND, "command": "help"}))
    assert "help [command]" in card_texts(sent[0].card)


async def test_welcome_once_per_conversation_and_reference_stored(teams):
    install = teams.activity("installationUpdate", action="add")
    first = await teams.send(install)
    assert len(first) == 1 and "Hi, I'm College Bot" in " ".join(card_texts(first[0].card))
    added = teams.activity("conversationUpdate", membersAdded=[{"id": teams_bot_id(teams)}])
    assert await teams.send(added) == []
    # the conversation reference is stored for proactive messages
    from app import RUNTIME

    reference = await teams.http.app[RUNTIME].services.store.get_conversation_reference(install["conversation"]["id"])
    assert reference["serviceUrl"] == teams.service_url and reference["conversation"]["id"] == "a:personal-alice"
    # the welcome card's button works
    (button,) = card_actions(first[0].card)
    status, card = await teams.click_action(button)
    assert status == 200 and "whoami" in card_texts(card)


async def test_bot_added_to_a_team_welcomes_the_channel(teams):
    added = teams.activity("conversationUpdate", at="channel", membersAdded=[{"id": teams_bot_id(teams)}])
    sent = await teams.send(added)
    assert len(sent) == 1 and "@mention me" in " ".join(card_texts(sent[0].card))


async def test_retried_activity_is_processed_once(teams):
    activity = teams.activity("message", text="help", activity_id="same-id-1")
    assert len(await teams.send(activity)) == 1
    assert await teams.send(dict(activity)) == []


async def test_cancel_with_nothing_to_cancel(teams):
    sent = await teams.say("cancel")
    assert sent[0].text == "There is nothing to cancel."


def teams_bot_id(teams) -> str:
    return teams.activity("message")["recipient"]["id"]


async def test_uninstall_forgets_the_conversation_and_a_reinstall_welcomes_again(teams):
    from app import RUNTIME

    store = teams.http.app[RUNTIME].services.store
    assert len(await teams.send(teams.activity("installationUpdate", action="add"))) == 1
    assert await teams.send(teams.activity("installationUpdate", action="remove")) == []
    assert await store.get_conversation_reference("a:personal-alice") is None
    again = await teams.send(teams.activity("installationUpdate", action="add"))
    assert len(again) == 1 and "Hi, I'm College Bot" in " ".join(card_texts(again[0].card))
