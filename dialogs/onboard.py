"""The onboarding dialog: plain `onboard` asks who (emails or @mentions) and which access level, then hands the
parsed request to the command's planner, run as the `onboard` command (role check, audit, confirmation card).
`cancel` leaves it."""

from __future__ import annotations

from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions, PromptValidatorContext, TextPrompt

from bot import dispatch
from bot.commands.onboarding import DIALOG_ID, OnboardRequest, parse_onboard, plan_onboarding
from bot.container import Services
from bot.errors import UserFacingError
from bot.parsing import tokenize
from bot.services.devops.people import ACCESS_LEVELS, is_email
from bot.teams_edge import build_turn, read_message
from bot.turn import Mention, Turn

WHO_PROMPT = "onboard.who"
LEVEL_PROMPT = "onboard.level"


class OnboardDialog(ComponentDialog):
    def __init__(self, services: Services) -> None:
        super().__init__(DIALOG_ID)
        self._services = services
        self.add_dialog(TextPrompt(WHO_PROMPT, self._has_people))
        self.add_dialog(TextPrompt(LEVEL_PROMPT, self._is_level))
        self.add_dialog(WaterfallDialog(f"{DIALOG_ID}.steps", [self._ask_who, self._ask_level, self._run]))
        self.initial_dialog_id = f"{DIALOG_ID}.steps"

    # reading answers -------------------------------------------------------------------------------------------
    def _clean(self, ctx: TurnContext) -> tuple[str, list[dict[str, str]]]:
        """The answer's text without the bot's mention, and the people it @mentions (JSON-safe, for state)."""
        text, mentions = read_message(ctx.activity, self._services.bot_name)
        return text, [{"id": m.channel_user_id, "name": m.name, "aad": m.aad_object_id} for m in mentions]

    async def _has_people(self, prompt: PromptValidatorContext) -> bool:
        """At least one person, and every one an email address or an @mention; else says what is wrong."""
        text, _ = self._clean(prompt.context)
        try:
            people = parse_onboard(tokenize(text)).people
        except UserFacingError:
            people = ()
        wrong = [p for p in people if not (p.startswith("@") or is_email(p))]
        if people and not wrong:
            return True
        problem = (f"{', '.join(repr(w[:60]) for w in wrong)} {'is' if len(wrong) == 1 else 'are'} not an email "
                   "address or an @mention." if wrong else "I need at least one email address or @mention.")
        await prompt.context.send_activity(MessageFactory.text(
            f"{problem} Send them again, e.g. frank@contoso.com, or type cancel to stop."))
        return False

    @staticmethod
    async def _is_level(prompt: PromptValidatorContext) -> bool:
        return (prompt.recognized.value or "").strip().lower().removeprefix("as ") in ACCESS_LEVELS

    # steps -----------------------------------------------------------------------------------------------------
    async def _ask_who(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = step.options or {}
        step.values["level"] = options.get("level", "")
        step.values["team"] = options.get("team", "")
        team = options.get("team") or (self._services.settings.devops_team or "the team")
        in_channel = (step.context.activity.conversation.conversation_type or "personal") != "personal"
        hint = f" In this conversation, @mention {self._services.bot_name} in your answer." if in_channel else ""
        return await step.prompt(WHO_PROMPT, PromptOptions(
            prompt=MessageFactory.text(f"Who should I add to {team}? Send email addresses or @mention people "
                                       f"(several are fine). Type cancel to stop.{hint}")))

    async def _ask_level(self, step: WaterfallStepContext) -> DialogTurnResult:
        text, people = self._clean(step.context)
        request = parse_onboard(tokenize(text))
        step.values["people"] = list(request.people)
        step.values["mentions"] = people
        step.values["level"] = request.level or step.values["level"]
        step.values["team"] = request.team or step.values["team"]
        if step.values["level"]:
            return await step.next(step.values["level"])
        return await step.prompt(LEVEL_PROMPT, PromptOptions(
            prompt=MessageFactory.text("Which access level should they get: basic or stakeholder? "
                                       "(People who already have one keep theirs.)"),
            retry_prompt=MessageFactory.text("Please answer basic or stakeholder, or type cancel.")))

    async def _run(self, step: WaterfallStepContext) -> DialogTurnResult:
        level = str(step.result or step.values["level"]).strip().lower().removeprefix("as ")
        request = OnboardRequest(tuple(step.values["people"]), level, step.values.get("team") or "")
        turn = await self._turn(step.context, step.values.get("mentions") or [])
        spec = self._services.registry.get(DIALOG_ID)
        assert spec is not None, "the onboard command is registered"
        reply = await dispatch.run_as_command(turn, spec, request.describe(), lambda: plan_onboarding(turn, request))
        if reply.card is not None or reply.text:
            await turn.conversation.send(reply)
        return await step.end_dialog()

    async def _turn(self, ctx: TurnContext, mentions: list[dict[str, str]]) -> Turn:
        """The Turn the planner runs in: this message's sender, with the people @mentioned during the dialog."""
        return await build_turn(ctx, self._services, None,
                                mentions=tuple(Mention(m["id"], m["name"], m.get("aad", "")) for m in mentions))
