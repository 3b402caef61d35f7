"""digest now | daily <HH:MM> [<zone>] | weekdays <HH:MM> [<zone>] | off | status: a summary of the pipelines,
releases, approvals and new model versions, now or on a schedule (bot/scheduler.py sends the scheduled ones).

Who may set a schedule: anyone in their own (personal) chat with the bot; in a channel or group chat, the team's
admins, since everyone there gets the digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.activity import Actor
from bot.authorization import authorize
from bot.digest_times import BadSchedule, next_due, recurrence
from bot.digests import digest_reply
from bot.errors import InvalidInput
from bot.policy import Role
from bot.progress import answer_soon
from bot.router import Args, command
from bot.scheduler import MAX_PERIOD
from bot.store import DigestSchedule
from bot.turn import Reply, Turn
from cards.digest import ScheduleView, schedule_card
from cards.progress import working_on_card

AREA = "Notifications"
DEFAULT_PERIOD = timedelta(hours=24)
DEFAULT_ZONE = "UTC"


class ScheduleSetters:
    """Anyone in their personal chat with the bot; admins in channels and group chats (the resource is the
    conversation type)."""

    who = "the team's admins (in a channel or group chat; anyone may in their own chat with the bot)"

    def allows(self, actor: Actor, roles: frozenset[str], resource: object | None = None) -> bool:
        return resource == "personal" or Role.ADMIN in roles


SETTERS = ScheduleSetters()


def view_of(schedule: DigestSchedule, now: datetime) -> ScheduleView:
    due = None if schedule.paused else next_due(recurrence(schedule.kind, schedule.at, schedule.zone), now)
    return ScheduleView(kind=schedule.kind, at=schedule.at, zone=schedule.zone, next_due=due,
                        last_due=schedule.last_due, paused=schedule.paused, paused_at=schedule.paused_at)


@command("digest now", area=AREA, usage="digest now", examples=["digest now"])
async def handle_digest_now(turn: Turn, args: Args) -> Reply:
    """Shows the digest now: failures, pipeline results, releases in flight, approvals waiting, new models.

    The period: since this conversation's last scheduled digest, else the last 24 hours."""
    services = turn.services
    now = services.clock()
    schedule = await services.store.get_schedule(turn.where.conversation_id)
    since = schedule.last_due if schedule is not None and schedule.last_due is not None else now - DEFAULT_PERIOD
    since = max(since, now - MAX_PERIOD)
    return await answer_soon(turn, digest_reply(services, since, now), lambda: Reply(card=working_on_card("digest")),
                             name="digest")


async def _set(turn: Turn, args: Args, kind: str) -> Reply:
    if not args.tokens or len(args.tokens) > 2:
        raise InvalidInput(f"When should the digest come? Give a time, and a time zone if it is not {DEFAULT_ZONE}.",
                           next_step=f"Type digest {kind} 08:30 Europe/Berlin.")
    at, zone = args.tokens[0], args.tokens[1] if len(args.tokens) == 2 else DEFAULT_ZONE
    try:
        rule = recurrence(kind, at, zone)
    except BadSchedule as exc:
        raise InvalidInput(str(exc), next_step=f"Type digest {kind} 08:30 Europe/Berlin.") from None
    await authorize(turn, SETTERS, what="set this conversation's digest schedule", action="digest.schedule",
                    target=turn.where.conversation_id, resource=turn.where.conversation_type)
    services = turn.services
    now = services.clock()
    schedule = DigestSchedule(conversation_id=turn.where.conversation_id, kind=kind, at=rule.at.strftime("%H:%M"),
                              zone=rule.zone.key, created_by=turn.actor.key, created_at=now)
    await services.store.put_schedule(schedule)
    await services.audit.record(turn.actor, "digest.schedule", outcome="ok", target=f"{kind} {schedule.at} "
                                f"{schedule.zone}", conversation_id=turn.where.conversation_id)
    stored = await services.store.get_schedule(turn.where.conversation_id)
    return Reply(card=schedule_card(view_of(stored or schedule, now), changed="Digest scheduled"))


@command("digest daily", area=AREA, usage="digest daily <HH:MM> [<time zone>]",
         examples=["digest daily 08:30 Europe/Berlin", "digest daily 17:00"])
async def handle_digest_daily(turn: Turn, args: Args) -> Reply:
    """Sends the digest here every day at a time (24-hour clock, IANA time zone, UTC if none); admins in channels."""
    return await _set(turn, args, "daily")


@command("digest weekdays", area=AREA, usage="digest weekdays <HH:MM> [<time zone>]",
         examples=["digest weekdays 09:00 Europe/Berlin"])
async def handle_digest_weekdays(turn: Turn, args: Args) -> Reply:
    """Sends the digest here Monday to Friday at a time (IANA time zone, UTC if none); admins in channels."""
    return await _set(turn, args, "weekdays")


@command("digest off", area=AREA, usage="digest off", examples=["digest off"])
async def handle_digest_off(turn: Turn, args: Args) -> Reply:
    """Stops the scheduled digest in this conversation (admins in channels and group chats)."""
    await authorize(turn, SETTERS, what="change this conversation's digest schedule", action="digest.off",
                    target=turn.where.conversation_id, resource=turn.where.conversation_type)
    removed = await turn.services.store.delete_schedule(turn.where.conversation_id)
    if removed:
        await turn.services.audit.record(turn.actor, "digest.off", outcome="ok",
                                         target=turn.where.conversation_id,
                                         conversation_id=turn.where.conversation_id)
    return Reply(card=schedule_card(None, changed="Digest stopped" if removed else "Digest schedule"))


@command("digest status", area=AREA, usage="digest status", examples=["digest status"], aliases=["digest"])
async def handle_digest_status(turn: Turn, args: Args) -> Reply:
    """Shows this conversation's digest schedule: when the next one comes, the last one, or why it is paused."""
    schedule = await turn.services.store.get_schedule(turn.where.conversation_id)
    now = turn.services.clock()
    return Reply(card=schedule_card(None if schedule is None else view_of(schedule, now)))
