"""Service hooks as cards: a conversation's subscriptions (with their state in Azure DevOps and what to do when
Azure DevOps disabled one), and what a delivered event becomes: a deployment that ended (stage, release, model
version, a link, Redeploy) and a build that ended (pipeline, branch, who pushed, a link)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services.devops.model import Build, Release
from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, facts, heading, next_step, open_url, text
from cards.connections import ago

STATES = {
    "active": "✅ active",
    "resumed": "✅ active again: it was paused while the bot could not post here (removed from the conversation?)",
    "onProbation": "⚠️ on probation: Azure DevOps cannot deliver to the bot and is retrying",
    "disabled": "❌ disabled by Azure DevOps after deliveries kept failing",
    "off": "⛔ turned off in Azure DevOps",
    "missing": "❌ removed in Azure DevOps",
}


@dataclass(frozen=True)
class SubscriptionLine:
    """One subscription of the conversation as the list shows it."""

    number: int
    what: str  # "approvals of TinyYOLO to IoT Edge, stage Prod"
    state: str  # a key of STATES
    created_by: str = ""
    created_on: datetime | None = None


def subscribed_card(what: str, number: int, url: str) -> Card:
    body: list[Element] = heading("Subscribed", subtle=f"This conversation now hears about {what}.")
    body.append(facts([("Number", str(number)), ("Delivered to", url)]))
    body.append(text(f"Type **subscriptions** to see them all, **unsubscribe {number}** to stop this one.",
                     isSubtle=True))
    return card(body, [execute("Show subscriptions", verbs.SUBSCRIPTIONS_LIST)], fallback=f"Subscribed: {what}.")


def subscriptions_card(lines: Sequence[SubscriptionLine], *, now: datetime) -> Card:
    body: list[Element] = heading("Subscriptions", subtle="What Azure DevOps tells this conversation by itself.")
    if not lines:
        body.append(text("None yet.", isSubtle=True))
        body.append(next_step('An admin types subscribe approvals|deployments|builds [definition "<name>"] '
                              '[stage "<name>"] [failures only].'))
        return card(body, fallback="No subscriptions.")
    broken = []
    for line in lines:
        who = f"by {line.created_by} " if line.created_by else ""
        when = ago(line.created_on, now) if line.created_on else ""
        block = [text(f"**{line.number}.** {escape(line.what)}", spacing="None"),
                 text(STATES.get(line.state, line.state), size="Small", spacing="None"),
                 text(f"subscribed {who}{when}".strip(), size="Small", isSubtle=True, spacing="None")]
        body.append(container(block, separator=True))
        if line.state in ("disabled", "off", "missing"):
            broken.append(line.number)
    if broken:
        numbers = ", ".join(str(n) for n in broken)
        first = broken[0]
        body.append(next_step(f"Azure DevOps no longer delivers {numbers}: check that BOT_PUBLIC_URL reaches the bot, "
                              f"then an admin types unsubscribe {first} and subscribes again."))
    return card(body, fallback=f"Subscriptions: {len(lines)}.")


def unsubscribed_card(what: str) -> Card:
    body = heading("Unsubscribed", subtle=f"This conversation no longer hears about {what}; the service hook is "
                                         "removed from Azure DevOps.")
    return card(body, [execute("Show subscriptions", verbs.SUBSCRIPTIONS_LIST)], fallback=f"Unsubscribed: {what}.")


DEPLOYMENT_WORDS = {"succeeded": ("✅", "succeeded", "Good"), "partiallySucceeded": ("⚠️", "partially succeeded",
                                                                                 "Warning"),
                    "rejected": ("❌", "failed", "Attention"), "failed": ("❌", "failed", "Attention"),
                    "canceled": ("⛔", "was canceled", "Warning")}


def deployment_event_card(release: Release, stage: str, stage_id: int, status: str, attempt: int, *,
                          finished: datetime | None, now: datetime) -> Card:
    """A stage's deployment ended: stage, release, the model version it shipped, a link, and Redeploy (admins)."""
    symbol, words, color = DEPLOYMENT_WORDS.get(status, ("▫️", status, "Default"))
    when = ago(finished, now) if finished else ""
    body: list[Element] = [{"type": "TextBlock", "text": f"{symbol} {stage} of {release.name} {words}",
                            "size": "Large", "weight": "Bolder", "wrap": True, "color": color}]
    body.append(text(f"{release.definition} · deployment {attempt}" + (f" · {when}" if when else ""),
                     isSubtle=True, spacing="None"))
    model = next((a for a in release.artifacts if a.is_azure_ml_model and a.model), None)
    pairs = [("Stage", stage), ("Release", release.name)]
    if model is not None:
        pairs.append(("Model", f"{model.model} version {model.version}" if model.version else model.model))
    pairs += [(a.alias, a.version) for a in release.artifacts if a is not model and a.version][:3]
    body.append(facts(pairs))
    actions = []
    if release.web_url:
        actions.append(open_url("Open in Azure DevOps", release.web_url))
    actions.append(execute("Redeploy", verbs.RELEASE_REDEPLOY, {"release": release.id, "stage_id": stage_id,
                                                                "stage": stage}))
    body.append(text("Redeploy is for admins: it asks to confirm first.", size="Small", isSubtle=True))
    return card(body, actions, fallback=f"{stage} of {release.name} {words}.")


def build_event_card(build: Build, *, now: datetime) -> Card:
    """A build (a YAML run) ended: pipeline, branch, who pushed, a link."""
    symbol, words, color = DEPLOYMENT_WORDS.get(build.result, ("▫️", build.result, "Default"))
    branch = build.branch.removeprefix("refs/heads/")
    body: list[Element] = [{"type": "TextBlock", "text": f"{symbol} Build {build.number} of {build.pipeline} {words}",
                            "size": "Large", "weight": "Bolder", "wrap": True, "color": color}]
    if build.finished:
        body.append(text(f"finished {ago(build.finished, now)}", isSubtle=True, spacing="None"))
    body.append(facts([("Pipeline", build.pipeline), ("Branch", branch), ("Pushed by", build.pushed_by),
                       ("Build", build.number)]))
    actions = [open_url("Open in Azure DevOps", build.web_url)] if build.web_url else []
    return card(body, actions, fallback=f"Build {build.number} of {build.pipeline} {words}.")
