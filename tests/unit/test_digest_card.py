"""The digest card from plain data: sections left out when empty, every row when it fits, fewer rows with "…and N
more" and a link when not, the counts alone at the last, never a card cut in the middle; valid Adaptive Cards 1.5."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.services.devops.model import Approval, Digest, NewModelVersion, Outcome, PipelineHealth, Release, Stage
from cards.digest import card_bytes, digest_card
from tests.harness.cards import assert_valid_card, card_texts

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
ORG = "https://dev.azure.com/college-org"


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def pipeline(n: int, failures: int = 0) -> PipelineHealth:
    outcomes = tuple(Outcome(f"2026.{n}.{i}", "failed", NOW - timedelta(hours=i + 1), f"{ORG}/College/_build/r{n}")
                     for i in range(failures))
    return PipelineHealth("pipeline", n, f"pipeline-{n:04d}", f"{ORG}/College/_build?definitionId={n}",
                          last=outcomes[0] if outcomes else Outcome("x", "succeeded", NOW - timedelta(days=1)),
                          runs=4, succeeded=4 - failures, failures=outcomes)


def digest(**parts) -> Digest:
    return Digest(project="College", org_url=ORG, since=NOW - timedelta(hours=24), until=NOW, **parts)


def test_an_empty_period_says_so_and_leaves_every_section_out() -> None:
    card = digest_card(digest(), now=NOW)
    assert_valid_card(card)
    assert "Nothing ran" in text_of(card) and "**" not in text_of(card)


def test_a_small_project_gets_every_row() -> None:
    release = Release(7, "Release-7", "TinyYOLO to IoT Edge", "active",
                      stages=(Stage(1, "Dev", "succeeded"), Stage(2, "QA", "inProgress")))
    approval = Approval(4, "pending", "Dave Datascientist", created_on=NOW - timedelta(hours=3), stage="QA",
                        release_id=7, release_name="Release-7")
    card = digest_card(digest(pipelines=[pipeline(1, failures=1), pipeline(2)], in_flight=[release],
                              approvals=[approval], models=[NewModelVersion("TinyYOLO", "4", "Bob", NOW, None)]),
                       now=NOW)
    assert_valid_card(card)
    text = text_of(card)
    assert "…and" not in text and "pipeline-0002" in text and "🔄 QA inProgress" in text
    assert "⏳ **QA of Release-7** · waiting for 3 h · approver: Dave Datascientist" in text
    assert "releaseId=7" in json.dumps(card)  # the approval links to its release
    assert "not checked yet: type model TinyYOLO 4" in text
    assert "Release pipelines" not in text  # empty: left out


def test_a_big_project_is_summarised_to_fit_never_cut() -> None:
    big = digest(pipelines=[pipeline(n, failures=n % 3) for n in range(1, 1001)])
    card = digest_card(big, now=NOW)
    assert_valid_card(card)
    assert card_bytes(card) <= 25 * 1024
    text = text_of(card)
    assert "…and 975 more pipelines" in text and f"[open Azure DevOps]({ORG}/College/_build)" in text
    assert "YAML pipelines 1000 · 4000 finished in the period, 1000 failed, 75% succeeded" in text
    smallest = digest_card(big, now=NOW, max_bytes=3000)  # only the counts fit
    assert_valid_card(smallest)
    assert "…and 1000 more pipelines" in text_of(smallest) and "pipeline-0001" not in text_of(smallest)
