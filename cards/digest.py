"""The digest as one card: what failed, each pipeline's and release pipeline's last result and success rate over
the period, releases in flight, approvals waiting (oldest first), new model versions; empty sections left out.

A card must fit in a Teams message (``MAX_CARD_BYTES``): the most detailed card that fits is sent, from every row
down to a few rows a section and finally the counts alone, each list that is cut saying "and N more" with a link.
A card is never cut in the middle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.devops.model import Digest, NewModelVersion, Outcome, PendingApproval, PipelineHealth, Release
from cards import verbs
from cards.common import MAX_CARD_BYTES, Card, Element, card, container, escape, execute, facts, heading, open_url, text
from cards.connections import ago
from cards.models import verdict_words
from cards.releases import STAGE_SYMBOLS

ROWS = (None, 25, 10, 5, 0)  # rows a section, tried in this order until the card fits (None: every row)
RESULT_SYMBOLS = {"succeeded": "✅", "failed": "❌", "canceled": "⛔", "partiallysucceeded": "⚠️"}


def card_bytes(value: Card) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _when(moment: datetime) -> str:
    """A time each reader sees in their own time zone (Adaptive Cards' DATE/TIME functions, rendered by Teams)."""
    utc = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({utc}, SHORT)}}}} {{{{TIME({utc})}}}}"


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


def _link(label: str, url: str) -> str:
    return f"[{label}]({url})" if url else label


def _outcome_words(outcome: Outcome | None, now: datetime) -> str:
    if outcome is None:
        return "▫️ no result yet"
    symbol = RESULT_SYMBOLS.get(outcome.result.lower(), "▫️")
    return f"{symbol} {outcome.result or 'unknown'}" + (f" {ago(outcome.at, now)}" if outcome.at else "")


def _more(hidden: int, what: str, url: str) -> list[Element]:
    if hidden <= 0:
        return []
    return [text(f"…and {hidden} more {what}" + (f": {_link('open Azure DevOps', url)}" if url else "."),
                 size="Small", isSubtle=True, spacing="None")]


def _section(title: str, rows: list[Element], total: int, limit: int | None, what: str, url: str) -> list[Element]:
    shown = rows if limit is None else rows[:limit]
    return [container([text(f"**{title}** ({total})", spacing="None"), *shown,
                       *_more(total - len(shown), what, url)], separator=True)]


def _failure_row(owner: str, outcome: Outcome, now: datetime) -> Element:
    line = f"❌ **{escape(owner)}** · {escape(outcome.name)} · {outcome.result}" + (
        f" · {ago(outcome.at, now)}" if outcome.at else "")
    return text(_link_line(line, outcome.url), size="Small", spacing="None")


def _link_line(line: str, url: str) -> str:
    return f"{line} · [open]({url})" if url else line


def _health_row(health: PipelineHealth, now: datetime) -> Element:
    period = (f"{health.runs} in the period, {_percent(health.success_rate)} succeeded" if health.runs
              else "none in the period")
    line = f"**{escape(health.name)}** · last: {_outcome_words(health.last, now)} · {period}"
    return text(_link_line(line, health.url), size="Small", spacing="None")


def _release_row(release: Release) -> Element:
    stages = " · ".join(f"{STAGE_SYMBOLS.get(s.status.lower(), '▫️')} {escape(s.name)} {s.status}"
                        for s in release.stages)
    line = f"**{escape(release.name)}** · {escape(release.definition)} · {stages}"
    return text(_link_line(line, release.web_url), size="Small", spacing="None")


def _approval_row(approval: PendingApproval, now: datetime, digest: Digest) -> Element:
    waiting = f" for {ago(approval.created_on, now).removesuffix(' ago')}" if approval.created_on else ""
    url = getattr(approval, "run_url", "") or digest.release_url(getattr(approval, "release_id", 0))
    line = f"⏳ **{escape(approval.what)}** · waiting{waiting} · approver: {escape(approval.approver)}"
    return text(_link_line(line, url), size="Small", spacing="None")


def _model_row(model: NewModelVersion, now: datetime) -> Element:
    who = f" by {escape(model.created_by)}" if model.created_by else ""
    when = f" {ago(model.created_at, now)}" if model.created_at else ""
    if model.verdict is not None:
        verdict = verdict_words(model.verdict)
    elif model.checking:
        verdict = f"being checked: type model {model.name} {model.version} for the verdict"
    else:
        verdict = f"not checked yet: type model {model.name} {model.version}"
    return text(f"**{escape(model.name)} {escape(model.version)}** · registered{who}{when} · {verdict}",
                size="Small", spacing="None")


def _summary(digest: Digest) -> list[tuple[str, str]]:
    pairs = []
    for label, items in (("YAML pipelines", digest.pipelines), ("Release pipelines", digest.release_pipelines)):
        if items:
            runs = sum(p.runs for p in items)
            good = sum(p.succeeded for p in items)
            failed = sum(len(p.failures) for p in items)
            pairs.append((label, f"{len(items)} · {runs} finished in the period, {failed} failed, "
                                 f"{_percent(good / runs if runs else None)} succeeded"))
    if digest.in_flight:
        pairs.append(("Releases in flight", str(len(digest.in_flight))))
    if digest.approvals:
        pairs.append(("Waiting for approval", str(len(digest.approvals))))
    if digest.models:
        pairs.append(("New model versions", str(len(digest.models))))
    return pairs


def _body(digest: Digest, now: datetime, limit: int | None) -> list[Element]:
    subtitle = f"{digest.project} · since {_when(digest.since)} ({ago(digest.since, now)})"
    body: list[Element] = heading("Digest", subtle=subtitle)
    pairs = _summary(digest)
    if not pairs and not digest.unread:
        body.append(text("Nothing ran, nothing is in flight and nothing waits for approval.", isSubtle=True))
        return body
    if pairs:
        body.append(facts(pairs))
    failures = sorted(((p.name, o) for p in [*digest.pipelines, *digest.release_pipelines] for o in p.failures),
                      key=lambda item: item[1].at or digest.since, reverse=True)
    if failures:
        body += _section("Failures since the previous digest", [_failure_row(n, o, now) for n, o in failures],
                         len(failures), limit, "failures", digest.pipelines_url)
    if digest.pipelines:
        body += _section("YAML pipelines", [_health_row(p, now) for p in digest.pipelines], len(digest.pipelines),
                         limit, "pipelines", digest.pipelines_url)
    if digest.release_pipelines:
        body += _section("Release pipelines (releases created in the period)",
                         [_health_row(p, now) for p in digest.release_pipelines], len(digest.release_pipelines),
                         limit, "release pipelines", digest.releases_url)
    if digest.in_flight:
        body += _section("Releases in flight", [_release_row(r) for r in digest.in_flight], len(digest.in_flight),
                         limit, "releases", digest.releases_url)
    if digest.approvals:
        rows = [_approval_row(a, now, digest) for a in digest.approvals]
        body += _section("Waiting for approval, oldest first", rows, len(digest.approvals), limit, "approvals",
                         digest.approvals_url)
    if digest.models:
        body += _section("New model versions", [_model_row(m, now) for m in digest.models], len(digest.models),
                         limit, "model versions", "")
    if digest.unread:
        body.append(text(f"⚠️ Not read this time: {'; '.join(digest.unread)}.", size="Small", wrap=True))
    if digest.truncated:
        body.append(text(f"Only the newest of these were read: {', '.join(digest.truncated)}.", size="Small",
                         isSubtle=True))
    return body


def _actions(digest: Digest) -> list[Element]:
    actions: list[Element] = []
    if digest.org_url:
        actions += [open_url("Pipelines", digest.pipelines_url), open_url("Releases", digest.releases_url)]
    if digest.approvals:
        actions.append(execute("Approvals", verbs.APPROVALS_LIST, {}))
    return actions


def digest_card(digest: Digest, *, now: datetime, max_bytes: int = MAX_CARD_BYTES,
                rows: Sequence[int | None] = ROWS) -> Card:
    """The most detailed digest card that fits in ``max_bytes`` (the last level, counts only, always does)."""
    built: dict[str, Any] = {}
    fallback = "Digest: " + "; ".join(f"{k}: {v}" for k, v in _summary(digest)) if _summary(digest) else "Digest"
    for limit in rows:
        built = card(_body(digest, now, limit), _actions(digest), fallback=fallback)
        if card_bytes(built) <= max_bytes:
            return built
    return built


@dataclass(frozen=True)
class ScheduleView:
    """A conversation's digest schedule as ``digest status`` shows it."""

    kind: str  # "daily" | "weekdays"
    at: str  # "HH:MM"
    zone: str
    next_due: datetime | None = None  # None while paused
    last_due: datetime | None = None
    paused: str = ""
    paused_at: datetime | None = None

    @property
    def words(self) -> str:
        days = "every day" if self.kind == "daily" else "Monday to Friday"
        return f"{days} at {self.at} ({self.zone})"


SCHEDULE_RULES = ("A time that does not exist on a day clocks spring forward is sent that much after the change "
                  "(02:30 → 03:30); one that happens twice when they fall back is sent once, the first time. A "
                  "digest missed while the bot was down is sent when it is back within 6 hours, else skipped.")


def schedule_card(view: ScheduleView | None, *, changed: str = "") -> Card:
    """The conversation's schedule (``digest status``, and the answer to setting or removing it)."""
    title = changed or "Digest schedule"
    if view is None:
        body = heading(title, subtle="No scheduled digest in this conversation.")
        body.append(text("Type digest daily 08:00 Europe/Berlin (or digest weekdays …) to get one; digest now "
                         "shows one at once.", isSubtle=True))
        return card(body, fallback=title)
    pairs = [("Schedule", view.words)]
    if view.paused:
        pairs.append(("State", f"⏸️ paused since {_when(view.paused_at) if view.paused_at else 'a while'}: "
                               f"{view.paused}"))
    elif view.next_due is not None:
        pairs.append(("Next digest", _when(view.next_due)))
    pairs.append(("Last digest", _when(view.last_due) if view.last_due else "none yet"))
    body = [*heading(title), facts(pairs)]
    if view.paused:
        body.append(container([text("**Next step:** set the schedule again to resume it (digest "
                                     f"{view.kind} {view.at} {view.zone}), or type digest off.",
                                     spacing="None")], style="emphasis"))
    body.append(text(SCHEDULE_RULES, size="Small", isSubtle=True))
    return card(body, fallback=f"{title}: {view.words}")
