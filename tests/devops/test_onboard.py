"""onboard (command, mentions, dialog) through the HTTP harness against the sandbox."""

from __future__ import annotations

from cards import verbs
from tests.harness.cards import card_actions, card_texts
from tests.harness.people import person

FRANK = person("frank")


def text_of(card: dict) -> str:
    return " ".join(card_texts(card))


def team_levels(devops_sandbox) -> dict[str, bool]:
    core = devops_sandbox.connection().clients_v7_1.get_core_client()
    members = core.get_team_members_with_extended_properties(devops_sandbox.project, devops_sandbox.team)
    return {m.identity.unique_name: m.is_team_admin for m in members}


def access_level(devops_sandbox, upn: str) -> str | None:
    client = devops_sandbox.connection().clients_v7_1.get_member_entitlement_management_client()
    for member in client.search_user_entitlements().members:
        if member.user.principal_name == upn:
            return member.access_level.account_license_type
    return None


def entitlement_posts(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since)
            if r["method"] == "POST" and "userentitlements" in r["path"].lower()]


def writes(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since) if r["method"] not in ("GET", "OPTIONS", "HEAD")]


async def confirm(teams, sent, who: str = "alice") -> dict:
    (message,) = [s for s in sent if s.cards]
    action = next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM)
    status, card = await teams.click_action(action, who=who, card_id=message.activity_id)
    assert status == 200 and card is not None
    return card


async def test_onboard_gives_the_access_level_and_team_membership(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn} as stakeholder")
    question = text_of(sent[0].card)
    assert "Onboard these people?" in question and FRANK.upn in question and "Stakeholder" in question
    assert "College Team" in question
    since = devops_sandbox.last_seq()
    card = await confirm(devops_bot, sent)
    text = text_of(card)
    assert "Onboarded to College Team" in text and "added to the team, access level Stakeholder" in text
    assert "Confirmed by Alice Admin" in text
    assert team_levels(devops_sandbox)[FRANK.upn] is False
    assert access_level(devops_sandbox, FRANK.upn) == "stakeholder"
    assert len(entitlement_posts(devops_sandbox, since)) == 1
    team = text_of(await devops_bot.ask("team"))
    assert "Frank Newcomer" in team and "Stakeholder" in team


async def test_default_level_is_basic_and_team_can_be_named(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f'onboard {FRANK.upn} to "College Team"')
    assert "Basic" in text_of(sent[0].card)
    card = await confirm(devops_bot, sent)
    assert "access level Basic" in text_of(card)
    assert access_level(devops_sandbox, FRANK.upn) == "express"


async def test_already_a_member_says_so_and_changes_nothing(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami")
    since = devops_sandbox.last_seq()
    card = await devops_bot.ask(f"onboard {person('bob').upn} as stakeholder")
    text = text_of(card)
    assert "already in team" in text and "Nothing was changed" in text
    assert writes(devops_sandbox, since) == []
    assert access_level(devops_sandbox, person("bob").upn) == "express"


async def test_mixed_list_adds_the_new_and_leaves_the_members(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn}, {person('carol').upn}")
    question = text_of(sent[0].card)
    assert "Already members (unchanged)" in question and person("carol").upn in question
    text = text_of(await confirm(devops_bot, sent))
    assert "Frank Newcomer" in text and "already a member, nothing changed" in text


async def test_invalid_addresses_are_named_and_nothing_is_called(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami")
    since = devops_sandbox.last_seq()
    card = await devops_bot.ask(f"onboard {FRANK.upn} not-an-address bob@ as basic")
    text = text_of(card)
    assert "not a valid email address" in text and "'not-an-address'" in text and "'bob@'" in text
    assert FRANK.upn not in text.split("address:")[1]
    assert devops_sandbox.requests(since) == []
    assert "access level I can give" in text_of(await devops_bot.ask(f"onboard {FRANK.upn} as admin"))


async def test_someone_outside_the_tenant_gets_the_service_reason(devops_bot, devops_sandbox):
    sent = await devops_bot.say("onboard mallory@example.com")
    card = await confirm(devops_bot, sent)
    text = text_of(card)
    assert "Nobody was added" in text and "mallory@example.com" in text and "Entra" in text
    audit = text_of(await devops_bot.ask("audit 5"))
    assert "people.onboard" in audit and "failed" in audit


async def test_unknown_team_lists_the_teams(devops_bot):
    text = text_of(await devops_bot.ask(f'onboard {FRANK.upn} to "Nope Team"'))
    assert "no team called 'Nope Team'" in text and "College Team" in text


async def test_mention_is_resolved_to_an_email(devops_bot, devops_sandbox):
    mention = {"type": "mention", "text": f"<at>{FRANK.name}</at>",
               "mentioned": {"id": FRANK.teams_id, "name": FRANK.name, "aadObjectId": FRANK.aad_object_id}}
    sent = await devops_bot.say(f"onboard <at>{FRANK.name}</at> as stakeholder", at="channel",
                                extra_entities=[mention])
    assert FRANK.upn in text_of(sent[0].card)
    card = await confirm(devops_bot, sent, who="alice")
    assert "added to the team" in text_of(card)
    assert FRANK.upn in team_levels(devops_sandbox)


async def test_non_admins_are_refused_and_nothing_reaches_devops(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami", who="bob")
    since = devops_sandbox.last_seq()
    assert "Only the team's admins" in text_of(await devops_bot.ask(f"onboard {FRANK.upn}", who="bob"))
    assert "Only the team's admins" in text_of(await devops_bot.ask("onboard", who="bob"))
    # no dialog was started for Bob: his next message is a command again
    assert "Bob Builder" in text_of(await devops_bot.ask("whoami", who="bob"))
    assert devops_sandbox.requests(since) == []
    audit = text_of(await devops_bot.ask("audit 10"))
    assert "command.onboard" in audit and "refused" in audit


async def test_429_on_the_entitlement_is_honoured_and_sent_again(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn}")
    devops_sandbox.add_fault(path_regex="userentitlements", method="POST", status=429, retry_after=4, count=1)
    since = devops_sandbox.last_seq()
    card = await confirm(devops_bot, sent)
    assert "added to the team" in text_of(card)
    assert 4.0 in devops_bot.sleeps.waits
    assert [r["status"] for r in entitlement_posts(devops_sandbox, since)] == [429, 200]


async def test_entitlement_that_failed_after_taking_effect_is_not_sent_twice(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn} as stakeholder")
    devops_sandbox.add_fault(path_regex="userentitlements", method="POST", status=503, phase="after", count=1)
    since = devops_sandbox.last_seq()
    card = await confirm(devops_bot, sent)
    assert "added to the team" in text_of(card)
    assert [r["status"] for r in entitlement_posts(devops_sandbox, since)] == [503]
    assert FRANK.upn in team_levels(devops_sandbox)
    assert access_level(devops_sandbox, FRANK.upn) == "stakeholder"


# the dialog ------------------------------------------------------------------------------------------------------
async def test_plain_onboard_asks_for_what_is_missing(devops_bot, devops_sandbox):
    first = await devops_bot.say("onboard")
    assert "Who should I add to College Team?" in first[0].text
    second = await devops_bot.say(FRANK.upn)
    assert "basic or stakeholder" in second[0].text
    retry = await devops_bot.say("admin please")
    assert "Please answer basic or stakeholder" in retry[0].text
    third = await devops_bot.say("stakeholder")
    question = text_of(third[0].card)
    assert "Onboard these people?" in question and FRANK.upn in question and "Stakeholder" in question
    card = await confirm(devops_bot, third)
    assert "added to the team, access level Stakeholder" in text_of(card)
    # the dialog is over: commands work again
    assert "Repositories in College" in text_of(await devops_bot.ask("repos"))


async def test_dialog_skips_what_was_said_and_reprompts_without_people(devops_bot):
    first = await devops_bot.say("onboard as basic")
    assert "Who should I add" in first[0].text
    retry = await devops_bot.say("nobody really")
    assert "'nobody', 'really' are not an email address or an @mention" in retry[0].text
    empty = await devops_bot.say("as stakeholder")
    assert "at least one email address" in empty[0].text
    done = await devops_bot.say(FRANK.upn)
    assert "Onboard these people?" in text_of(done[0].card)


async def test_dialog_in_a_channel(devops_bot):
    first = await devops_bot.say("onboard as stakeholder", at="channel")
    assert "@mention College Bot in your answer" in first[0].text
    done = await devops_bot.say(FRANK.upn, at="channel")
    question = text_of(done[0].card)
    assert FRANK.upn in question and "Stakeholder" in question


async def test_cancel_leaves_the_dialog(devops_bot, devops_sandbox):
    await devops_bot.say("onboard")
    since = devops_sandbox.last_seq()
    left = await devops_bot.say("cancel")
    assert left[0].text == "Cancelled. Nothing more will be asked."
    assert "Repositories in College" in text_of(await devops_bot.ask("repos"))
    assert writes(devops_sandbox, since) == []


async def test_someone_in_the_organization_but_not_the_team_keeps_their_access_level(devops_bot, devops_sandbox):
    connection = devops_sandbox.connection()
    core, graph = connection.clients_v7_1.get_core_client(), connection.clients_v7_1.get_graph_client()
    team = core.get_team(devops_sandbox.project, devops_sandbox.team)
    team_group = graph.get_descriptor(team.id).value
    bob = next(u for u in graph.list_users().graph_users if u.principal_name == person("bob").upn)
    graph.remove_membership(bob.descriptor, team_group)
    assert person("bob").upn not in team_levels(devops_sandbox)

    sent = await devops_bot.say(f"onboard {person('bob').upn} as stakeholder")
    text = text_of(await confirm(devops_bot, sent))
    assert "added to the team, access level Basic" in text  # what Azure DevOps kept, not what was asked
    assert person("bob").upn in team_levels(devops_sandbox)
    assert access_level(devops_sandbox, person("bob").upn) == "express"


# ---- a write whose answer is lost: what took effect is checked, and said exactly ------------------------------------
async def test_a_membership_applied_whose_answers_are_all_lost_is_reported_as_added(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn}")
    devops_sandbox.add_fault(path_regex="graph/memberships", method="PUT", status=503, phase="after")
    card = await confirm(devops_bot, sent)
    text = text_of(card)
    assert FRANK.upn in team_levels(devops_sandbox) and access_level(devops_sandbox, FRANK.upn) == "express"
    assert "Nobody was added" not in text and "added to the team" in text
    assert "answer was lost" in text


async def test_access_given_but_the_team_refused_says_exactly_that(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn} as stakeholder")
    devops_sandbox.add_fault(path_regex="graph/memberships", method="PUT", status=503)
    text = text_of(await confirm(devops_bot, sent))
    assert FRANK.upn not in team_levels(devops_sandbox) and access_level(devops_sandbox, FRANK.upn) == "stakeholder"
    assert "Nobody was added" not in text
    assert "has Stakeholder access" in text and "not in the team yet" in text and "onboard" in text


async def test_when_nothing_can_be_checked_the_card_says_it_is_unknown(devops_bot, devops_sandbox):
    sent = await devops_bot.say(f"onboard {FRANK.upn}")
    # the entitlement is applied but its answer is lost, and every lookup of that person fails too
    devops_sandbox.add_fault(path_regex="userentitlements", method="POST", status=503, phase="after")
    devops_sandbox.add_fault(path_regex=r"userentitlements\?.*filter", method="GET", status=503)
    text = text_of(await confirm(devops_bot, sent))
    devops_sandbox.clear_faults()
    assert access_level(devops_sandbox, FRANK.upn) == "express"
    assert "Nobody was added" not in text
    assert "could not tell whether" in text and "team" in text
