"""deploy <release> <stage>, redeploy <release> <stage>: start one stage of a classic release by hand (admins, after
a confirmation card), then follow it on that card until it ends.

``deploy`` is for a stage that never ran, ``redeploy`` for one that ran and ended (a new attempt); a stage that is
queued, waiting for an approval or deploying is left alone. The start is sent once (a lost answer is followed by a
read of the stage). The card shows the stage queued, waiting for its approvers (whose approval cards are posted in
the conversation), deploying, then the result, how long it took and a link to the release in Azure DevOps. Every
attempt is audited: the request, the confirmation, the start and the end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.acting import acting_devops, identity_note_of
from bot.card_data import int_of
from bot.confirmations import ask_confirmation
from bot.container import Services
from bot.errors import InvalidInput, NotAllowed, NotFound, UserFacingError
from bot.live_card import LiveCard
from bot.logging_setup import current_correlation_id
from bot.model_checks import shipped_verdict
from bot.policy import Role
from bot.progress import live_card
from bot.router import Args, card_action, command, operation
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.deployments import (
    StageRun,
    deploy_problem,
    find_stage,
    read_stage,
    release_number,
    start_stage,
)
from bot.services.devops.model import Release
from bot.services.devops.releases import read_release
from bot.store_lease import held
from bot.turn import Actor, Reply, Turn
from cards import verbs
from cards.approvals import approval_card
from cards.confirmation import with_outcome
from cards.deploy import deploy_question, deployment_card, requester_note
from cards.errors import apology_card

log = logging.getLogger(__name__)

AREA = "Releases"
OPERATION = "release.deploy"


class StageLocks:
    """One start per stage at a time in this process (the store's lease ``deploy:<release>:<stage>`` does it across
    instances): a second confirmation waits, then finds the stage running."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def of(self, release_id: int, stage_id: int) -> asyncio.Lock:
        if len(self._locks) > 1024:  # bounded: the locks of stages no one is starting are dropped
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault((release_id, stage_id), asyncio.Lock())


def _request(args: Args, verb: str) -> tuple[int, str]:
    example = f"{verb} 3 Prod" if verb == "deploy" else f"{verb} 1 QA"
    if len(args.tokens) < 2:
        raise InvalidInput("Which release, and which of its stages?",
                           next_step=f"Type {verb} <release> <stage>, e.g. {example}; type releases to see them.")
    number = release_number(args.tokens[0])
    if number is None:
        raise InvalidInput(f"'{args.tokens[0][:40]}' is not a release number.",
                           next_step=f"Type {verb} <release> <stage>, e.g. {example} (3, Release-3 and #3 all work).")
    return number, " ".join(args.tokens[1:])


async def _release(services: Services, release_id: int) -> Release:
    devops = services.client(AZURE_DEVOPS)
    try:
        return await read_release(devops, release_id)
    except NotFound:
        raise NotFound(f"There is no release {release_id} in {devops.project}.",
                       next_step="Type releases to see the newest ones and their numbers.") from None


def _refusal(release: Release, run: StageRun, redeploy: bool) -> None:
    problem = deploy_problem(run, redeploy=redeploy, release_status=release.status)
    if problem is not None:
        title, message, instead = problem
        raise InvalidInput(message, next_step=instead, title=title)


async def _ask(turn: Turn, args: Args, *, redeploy: bool) -> Reply:
    services = turn.services
    release_id, stage_name = _request(args, "redeploy" if redeploy else "deploy")
    release = await _release(services, release_id)
    stage = find_stage(release, stage_name)
    run = await read_stage(services.client(AZURE_DEVOPS), release.id, stage.id, release.name)
    _refusal(release, run, redeploy)
    try:
        verdict, checked = await shipped_verdict(services, release.artifacts)
    except UserFacingError as exc:  # the question goes out without the verdict; the approvers' cards say it
        log.info("no verdict for the deploy question", extra={"reason": exc.message[:120]})
        verdict, checked = None, False
    title, summary, note = deploy_question(release, stage.name, run.status, run.outcome, run.attempt,
                                           redeploy=redeploy, verdict=verdict, checked=checked)
    data = {"release": release.id, "stage_id": stage.id, "stage": stage.name, "redeploy": redeploy,
            "attempt": run.attempt, "target": f"{stage.name} of {release.name}"}
    summary.append(("Requested as", "you (your own Azure DevOps identity)" if services.settings.per_user_sign_in
                    else "College Bot's own Azure DevOps identity (per-user sign-in is off)"))
    return await ask_confirmation(turn, OPERATION, data, title=title, summary=summary, note=note)


@command("deploy", area=AREA, usage="deploy <release> <stage>", role=Role.ADMIN,
         examples=["deploy 3 Prod", "deploy Release-1 Prod"])
async def handle_deploy(turn: Turn, args: Args) -> Reply:
    """Deploys a stage of a release that has not run yet (admins; you confirm first); the card follows it."""
    return await _ask(turn, args, redeploy=False)


@command("redeploy", area=AREA, usage="redeploy <release> <stage>", role=Role.ADMIN,
         examples=["redeploy 1 QA", "redeploy Release-2 Dev"])
async def handle_redeploy(turn: Turn, args: Args) -> Reply:
    """Deploys a stage that has run already again (admins; you confirm first); the card follows it."""
    return await _ask(turn, args, redeploy=True)


@card_action(verbs.RELEASE_REDEPLOY, role=Role.ADMIN)
async def handle_redeploy_button(turn: Turn, data: dict) -> Reply:
    """Redeploys a stage from a card (a deployment that ended, posted by a service hook): the confirmation first."""
    stage = str(data.get("stage") or "").strip()
    return await _ask(turn, Args((str(int_of(data, "release")), *stage.split())), redeploy=True)


async def _stage_of(services: Services, data: dict) -> tuple[Release, StageRun]:
    release = await _release(services, int_of(data, "release"))
    stage_id = int_of(data, "stage_id")
    stage = next((s for s in release.stages if s.id == stage_id), None) or find_stage(release, str(data.get("stage")))
    return release, await read_stage(services.client(AZURE_DEVOPS), release.id, stage.id, release.name)


def _follow_in_background(turn: Turn, release: Release, run: StageRun, requester: str, confirmed_at: datetime
                          ) -> None:
    services = turn.services
    name = f"deploy {run.stage} of {run.release_name}"
    services.background.start(name, _follow_stage(services, turn.actor, turn.where.conversation_id,
                                                  live_card(turn, name), release, run, requester, confirmed_at))


async def deploy_started(turn: Turn, data: dict) -> Reply | None:
    """After a crash: the stage's run (followed again until it ends) if the start had taken effect, else None."""
    services = turn.services
    release, run = await _stage_of(services, data)
    if run.attempt <= int_of(data, "attempt"):
        return None
    if not run.ended:
        _follow_in_background(turn, release, run, turn.actor.name, services.clock())
    return Reply(card=_card(services, run, release))


def _bot_requested(services: Services) -> bool:
    """Whether deployments are requested with the bot's own identity (no per-user sign-in)."""
    return not services.settings.per_user_sign_in


def _card(services: Services, run: StageRun, release: Release, **more: Any) -> dict:
    return deployment_card(run, web_url=release.web_url, now=services.clock(),
                           bot_requested=_bot_requested(services), **more)


async def signed_in(turn: Turn, data: dict) -> Reply | None:
    """Checks, when the requester confirms, that they are signed in (per-user sign-in): else the sign-in card, and
    their click is carried out once they are."""
    await acting_devops(turn, doing="start this deployment")
    return None


@operation(OPERATION, role=Role.ADMIN, what="deploy release stages", took_effect=deploy_started, before=signed_in)
async def do_deploy(turn: Turn, data: dict) -> Reply:
    """Starts the stage its requester confirmed (unless it moved meanwhile) and follows it in the background."""
    services = turn.services
    redeploy = bool(data.get("redeploy"))
    said = "Redeployed" if redeploy else "Deployed"
    acting = await acting_devops(turn, doing="start this deployment")
    comment = (f"{said} from Microsoft Teams." if acting.person else
               f"{said} from Microsoft Teams by {turn.actor.name} (Entra object id {turn.actor.key}).")
    release_id, stage_id = int_of(data, "release"), int_of(data, "stage_id")
    async with services.shared(StageLocks, lambda s: StageLocks()).of(release_id, stage_id), \
            held(services, f"deploy:{release_id}:{stage_id}"):  # one start at a time here, and across instances
        release, run = await _stage_of(services, data)  # read afresh: started meanwhile is left alone
        _refusal(release, run, redeploy)
        started = await start_stage(acting, run, comment, release.definition)
    _follow_in_background(turn, release, started, turn.actor.name, services.clock())
    return Reply(card=_card(services, started, release))


async def _follow_stage(services: Services, actor: Actor, conversation_id: str, card: LiveCard, release: Release,
                        run: StageRun, requester: str, confirmed_at: datetime) -> None:
    """Follows the stage (see _follow) on the confirmation's card; an unexpected error ends with the apology card
    and its reference, never with a card that says "Deploying…" forever."""

    async def show(shown: dict) -> None:
        await card.show(Reply(card=with_outcome(shown, "Confirmed", requester, confirmed_at)))

    try:
        await _follow(services, actor, conversation_id, release, run, show)
    except Exception:
        log.exception("following the deployment failed", extra={"release": run.release_id, "stage": run.stage})
        await show(apology_card(current_correlation_id()))


async def _follow(services: Services, actor: Actor, conversation_id: str, release: Release, run: StageRun,
                  show: Callable[[dict], Awaitable[None]]) -> None:
    """Reads the stage until it ends (or the pacing's follow limit passes), shows each change, posts the approval
    card of each approval it comes to wait for, and audits the end."""
    devops = services.client(AZURE_DEVOPS)
    pacing = services.pacing
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pacing.follow_limit_s
    announced: set[int] = set()
    verdicts: list[tuple[dict[str, Any] | None, bool]] = []

    async def announce(now: StageRun) -> None:
        """One approval card per approval the stage waits for, posted once, as a message of its own."""
        fresh = [a for a in now.waiting if a.id not in announced]
        if not fresh:
            return
        if not verdicts:
            try:
                verdicts.append(await shipped_verdict(services, release.artifacts))
            except UserFacingError:
                verdicts.append((None, True))
        verdict, _ = verdicts[0]
        for approval in fresh:
            announced.add(approval.id)
            posted = LiveCard(services.messenger, conversation_id, name=f"approval {approval.id}")
            await posted.show(Reply(card=approval_card(approval, now=services.clock(), shipped=release.artifacts,
                                                       verdict=verdict, note=requester_note(
                                                           now, bot_requested=_bot_requested(services)),
                                                       identity=identity_note_of(services))))

    def state(now: StageRun) -> tuple:
        return now.status, now.attempt, now.deployment, tuple(a.id for a in now.waiting)

    await announce(run)
    seen = state(run)
    while not run.ended:
        await pacing.poll()
        if loop.time() > deadline:
            await show(_card(services, run, release,
                                       problem="This card stopped following the deployment: it has run for a long "
                                       "time.", next_to_do="Follow it in Azure DevOps: the deployment goes on there."))
            return
        try:
            run = await read_stage(devops, run.release_id, run.stage_id, run.release_name)
        except (NotFound, NotAllowed, InvalidInput) as exc:  # asking again will not help: stop following
            await show(_card(services, run, release,
                                       problem=f"Its progress cannot be read: {exc.message}",
                                       next_to_do=exc.next_step or "Follow it in Azure DevOps."))
            return
        except UserFacingError as exc:  # a passing outage: keep following
            log.info("deployment progress not readable now", extra={"reason": exc.message[:120]})
            continue
        await announce(run)
        if state(run) != seen and not run.ended:
            seen = state(run)
            await show(_card(services, run, release))
    await services.audit.record(actor, f"{OPERATION}.finished", outcome="ok" if run.outcome == "succeeded"
                                else "failed", target=f"{run.stage} of {run.release_name}",
                                conversation_id=conversation_id, detail=f"attempt {run.attempt}: {run.outcome}")
    await show(_card(services, run, release))
