"""Parsing the text Teams delivers: mentions, markup, entities, quotes."""

import pytest

from bot.parsing import normalise, tokenize

BOT = ("College Bot",)


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("help", ("help",)),
        ("  HELP   repo  ", ("HELP", "repo")),
        ("<at>College Bot</at> help", ("help",)),
        ("<at>College&nbsp;Bot</at>&nbsp;help", ("help",)),
        ("<p><at>College Bot</at> whoami</p>", ("whoami",)),
        ("@College Bot help", ("help",)),
        ("College Bot help", ("help",)),
        ("help<br/>audit", ("help", "audit")),
        ("team &quot;College Team&quot;", ("team", "College Team")),
        ("team \u201cCollege Team\u201d", ("team", "College Team")),
        ("team \u2018College Team\u2019", ("team", "College Team")),
        ("team 'College Team'", ("team", "College Team")),
        ("don\u2019t stop", ("don't", "stop")),
        ("he\u200bl\u200bp", ("help",)),
        ('repo create ""', ("repo", "create", "")),
        ("&lt;script&gt;", ("<script>",)),
    ],
)
def test_tokens(raw, tokens):
    assert tokenize(normalise(raw, BOT)[0]) == tokens


def test_other_mentions_become_at_tokens():
    text, others = normalise("<at>College Bot</at> onboard <at>Frank Newcomer</at> as stakeholder", BOT)
    assert tokenize(text) == ("onboard", "@Frank Newcomer", "as", "stakeholder")
    assert others == ("Frank Newcomer",)


def test_normalise_keeps_text_that_only_starts_like_the_bot_name():
    assert normalise("College Botany notes", BOT)[0] == "College Botany notes"


def test_tokenize_unclosed_quote_is_kept_as_words():
    assert tokenize('repo create "half') == ("repo", "create", '"half')
