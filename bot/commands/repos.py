"""repos, repo create, repo import: the project's Git repositories."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import quote

from bot.card_data import int_of
from bot.confirmations import ask_confirmation
from bot.container import Services
from bot.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound, UserFacingError
from bot.live_card import LiveCard
from bot.logging_setup import current_correlation_id
from bot.naming import parse_import_source, repository_name_problem
from bot.policy import Role
from bot.progress import live_card
from bot.redaction import redact_url
from bot.router import Args, card_action, command, operation
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import ImportStatus, Repository
from bot.services.devops.repositories import (
    RepositoryExists,
    create_import_connection,
    create_repository,
    discard_import_connection,
    find_repository,
    import_status,
    latest_import,
    list_repositories,
    split_credentials,
    start_import,
)
from bot.turn import Actor, Reply, Turn
from cards import verbs
from cards.confirmation import with_outcome
from cards.errors import apology_card
from cards.repos import import_card, repo_card, repos_card

log = logging.getLogger(__name__)

AREA = "Repositories"


def _link(url: str) -> str:
    return quote(url, safe=":/?&=#%@+,;~")


def _already_exists(name: str, repo: Repository | None, project: str) -> AlreadyExists:
    where = f"[open {name}]({_link(repo.web_url)})" if repo is not None and repo.web_url else "see repos"
    return AlreadyExists(f"A repository called **{name}** already exists in {project}: {where}. Nothing was changed.",
                         next_step="Use the existing repository, or choose another name.")


def _checked_name(name: str, example: str) -> str:
    problem = repository_name_problem(name)
    if problem:
        raise InvalidInput(problem, next_step=f"Choose another name, e.g. {example}.")
    return name


# repos -----------------------------------------------------------------------------------------------------------
@command("repos", area=AREA, usage="repos", examples=["repos"], aliases=["repositories", "repo list"])
async def handle_repos(turn: Turn, args: Args) -> Reply:
    """Lists the project's Git repositories (with clone URLs), a page at a time."""
    devops = turn.services.client(AZURE_DEVOPS)
    return Reply(card=repos_card(await list_repositories(devops), devops.project))


@card_action(verbs.REPOS_MORE)
async def handle_repos_more(turn: Turn, data: dict) -> Reply:
    """Shows another page of the repository list."""
    devops = turn.services.client(AZURE_DEVOPS)
    page = int_of(data, "page")
    return Reply(card=repos_card(await list_repositories(devops), devops.project, page))


# repo create -----------------------------------------------------------------------------------------------------
@command("repo create", area=AREA, usage="repo create <name>", role=Role.ADMIN,
         examples=["repo create tinyyolo-model", 'repo create "model training"'])
async def handle_repo_create(turn: Turn, args: Args) -> Reply:
    """Creates an empty Git repository in the project (admins; you confirm first)."""
    if not args.tokens:
        raise InvalidInput("Which name should the repository have?", next_step="Type repo create <name>, "
                           "e.g. repo create tinyyolo-model.")
    name = _checked_name(args.text, "repo create tinyyolo-model")
    devops = turn.services.client(AZURE_DEVOPS)
    existing = await find_repository(devops, name)
    if existing is not None:
        raise _already_exists(name, existing, devops.project)
    return await ask_confirmation(
        turn, "repo.create", {"name": name}, title="Create this repository?",
        summary=[("Name", name), ("Project", devops.project), ("Organization", devops.org_url)])


def _created_card(repo: Repository, name: str) -> Reply:
    return Reply(card=repo_card(repo, f"✅ Created {name}", note="Clone it, add your code, and push."))


async def repo_created(turn: Turn, data: dict) -> Reply | None:
    """After a crash: the repository, if its create had taken effect."""
    name = str(data.get("name", ""))
    repo = await find_repository(turn.services.client(AZURE_DEVOPS), name)
    return _created_card(repo, name) if repo is not None else None


@operation("repo.create", role=Role.ADMIN, what="create repositories", took_effect=repo_created)
async def do_repo_create(turn: Turn, data: dict) -> Reply:
    """Creates the repository its requester confirmed (unless it exists meanwhile)."""
    name = _checked_name(str(data.get("name", "")), "repo create tinyyolo-model")
    devops = turn.services.client(AZURE_DEVOPS)
    existing = await find_repository(devops, name)
    if existing is not None:
        raise _already_exists(name, existing, devops.project)
    try:
        repo = await create_repository(devops, name)
    except RepositoryExists as exc:
        raise _already_exists(name, exc.existing, devops.project) from None
    return _created_card(repo, name)


# repo import -----------------------------------------------------------------------------------------------------
@command("repo import", area=AREA, usage="repo import <git url> [as <name>]", role=Role.ADMIN,
         examples=["repo import https://github.com/Azure/aidevcollege",
                   "repo import https://github.com/Azure-Samples/onnxruntime-iot-edge as iot-edge"])
async def handle_repo_import(turn: Turn, args: Args) -> Reply:
    """Imports a Git repository from a URL into a new repository (admins; you confirm first)."""
    example = "repo import https://github.com/Azure/aidevcollege as workshop"
    if not args.tokens:
        raise InvalidInput("Which repository should I import?", next_step=f"Type {example}.")
    url, rest = args.tokens[0], args.tokens[1:]
    name = ""
    if rest:
        if rest[0].lower() != "as" or len(rest) < 2:
            raise InvalidInput(f"I did not understand '{redact_url(' '.join(rest))[:60]}' after the URL.",
                               next_step=f"Write as <name> after the URL, e.g. {example}.")
        name = " ".join(rest[1:])
    try:
        trusted = frozenset(h.rstrip(".").lower() for h in turn.services.settings.import_trusted_hosts)
        source = parse_import_source(url, trusted)
    except ValueError as exc:
        raise InvalidInput(f"{exc} You gave: {redact_url(url)[:200]}", next_step=f"Type {example}.") from None
    name = _checked_name(name or source.suggested_name, example)
    devops = turn.services.client(AZURE_DEVOPS)
    existing = await find_repository(devops, name)
    if existing is not None and not existing.empty:
        raise _already_exists(name, existing, devops.project)
    data: dict = {"name": name, "source": source.shown, "target": f"{name} from {source.shown}"}
    note = ""
    if source.has_credentials:
        data["secret"] = turn.services.secrets.put(source.url)
        note = ("The credentials in your URL are used for this import only: they go into a temporary service "
                "connection that Azure DevOps deletes when the import is done, and are not stored or shown by the "
                "bot. Your chat message still contains them: delete it.")
    into = f"{name} (the existing empty repository)" if existing is not None else f"{name} (new repository)"
    return await ask_confirmation(
        turn, "repo.import", data, title="Import this repository?", note=note,
        summary=[("From", source.shown), ("Into", into), ("Project", devops.project)])


async def repo_imported(turn: Turn, data: dict) -> Reply | None:
    """After a crash: the import's state (followed again until it ends) if it had been started, else None."""
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    name, shown = str(data.get("name", "")), str(data.get("source", ""))
    repo = await find_repository(devops, name)
    status = await latest_import(devops, repo.id) if repo is not None else None
    if repo is None or status is None:
        return None
    if not status.finished:
        services.background.start(f"import {name}", _follow_import(
            services, turn.actor, turn.where.conversation_id, live_card(turn, f"import {name}"), repo, status, shown,
            services.clock()))
    return Reply(card=import_card(name, shown, status.status, status.step, status.steps, error=status.error,
                                  repo=repo))


@operation("repo.import", role=Role.ADMIN, what="import repositories", took_effect=repo_imported)
async def do_repo_import(turn: Turn, data: dict) -> Reply:
    """Creates the repository if needed, starts the import and follows it in the background."""
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    name = _checked_name(str(data.get("name", "")), "repo import <url> as <name>")
    shown = str(data.get("source", ""))
    url = shown
    if data.get("secret"):
        url = services.secrets.take(str(data["secret"])) or ""
        if not url:
            raise InvalidInput("I no longer hold the credentials for this import (they are kept for ten minutes "
                               "only, and without PENDING_SECRETS_KEY only by the instance of the bot that asked, "
                               "until it restarts).", next_step="Send the repo import command again.")
    repo = await find_repository(devops, name)
    if repo is None:
        try:
            repo = await create_repository(devops, name)
        except RepositoryExists as exc:
            if exc.existing is None or not exc.existing.empty:
                raise _already_exists(name, exc.existing, devops.project) from None
            repo = exc.existing
    elif not repo.empty:
        raise _already_exists(name, repo, devops.project)
    status, connection_id = await _start(devops, repo, url)
    follow = _follow_import(services, turn.actor, turn.where.conversation_id, live_card(turn, f"import {name}"),
                            repo, status, shown, services.clock(), connection_id)
    services.background.start(f"import {name}", follow)
    return Reply(card=import_card(name, shown, status.status, status.step, status.steps))


async def _start(devops: DevOpsClient, repo: Repository, url: str) -> tuple[ImportStatus, str]:
    """Starts the import; credentials in ``url`` go into a temporary "git" service connection (Azure DevOps deletes
    it when the import is done) and the URL sent carries none. Returns (status, the connection's id or "")."""
    plain, credentials = split_credentials(url)
    if credentials is None:
        return await start_import(devops, repo, url), ""
    connection_id = await create_import_connection(devops, repo.name, plain, credentials)
    try:
        return await start_import(devops, repo, plain, connection_id), connection_id
    except UserFacingError:
        await _discard(devops, connection_id)  # no import request will ever use (and delete) it
        raise


async def _discard(devops: DevOpsClient, connection_id: str) -> None:
    try:
        if await discard_import_connection(devops, connection_id):
            log.info("deleted the import's temporary service connection", extra={"connection_id": connection_id})
    except UserFacingError as exc:
        log.warning("could not delete the import's temporary service connection",
                    extra={"connection_id": connection_id, "reason": exc.message[:120]})


def _failure_advice(status: ImportStatus, name: str) -> str:
    if "authentication" in status.error.lower() or "credential" in status.error.lower():
        return (f"The source is private. Import it with credentials (a personal access token): repo import "
                f"https://<user>:<token>@<host>/<path> as {name}. The empty repository {name} is reused.")
    return (f"Check that the URL is right and reachable from Azure DevOps, then run repo import <url> as {name} "
            f"again: the empty repository {name} is reused.")


async def _follow_import(services: Services, actor: Actor, conversation_id: str, card: LiveCard, repo: Repository,
                         status: ImportStatus, shown: str, confirmed_at: datetime, connection_id: str = "") -> None:
    """Follows the import in the background (see _follow) on the confirmation's card; an unexpected error ends
    with the apology card and its reference, never with a card that says "Importing…" forever."""

    async def show(shown_card: dict) -> None:
        await card.show(Reply(card=with_outcome(shown_card, "Confirmed", actor.name, confirmed_at)))

    try:
        await _follow(services, actor, conversation_id, repo, status, shown, connection_id, show)
    except Exception:
        log.exception("following the import failed", extra={"repo": repo.name})
        await show(apology_card(current_correlation_id()))


async def _follow(services: Services, actor: Actor, conversation_id: str, repo: Repository, status: ImportStatus,
                  shown: str, connection_id: str, show: Callable[[dict], Awaitable[None]]) -> None:
    """Polls the import until it finishes (or the pacing's follow limit passes) and shows the card as it moves;
    once it has finished, makes sure its temporary service connection (if any) is gone."""
    devops = services.client(AZURE_DEVOPS)
    pacing = services.pacing
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pacing.follow_limit_s
    seen = (status.status, status.step)

    while not status.finished:
        await pacing.poll()
        if loop.time() > deadline:
            await show(import_card(repo.name, shown, "timeout", status.step, status.steps,
                                   next_step="Look at the repository in Azure DevOps: the import continues there.",
                                   repo=repo))
            return
        try:
            status = await import_status(devops, repo.id, status.request_id)
        except NotFound:
            status = ImportStatus(status.request_id, "failed", status.step, status.steps,
                                  "The repository or its import request no longer exists.")
        except (NotAllowed, InvalidInput) as exc:  # asking again will not help: stop following
            await show(import_card(repo.name, shown, "unreadable", status.step, status.steps, error=exc.message,
                                   next_step=exc.next_step or "Look at the repository in Azure DevOps.", repo=repo))
            return
        except UserFacingError as exc:  # a passing outage: keep following
            log.info("import progress not readable now", extra={"reason": exc.message[:120]})
            continue
        if (status.status, status.step) != seen and not status.finished:
            seen = (status.status, status.step)
            await show(import_card(repo.name, shown, status.status, status.step, status.steps))

    if connection_id:
        await _discard(devops, connection_id)
    if status.status == "completed":
        finished = await _refreshed(services, repo)
        card = import_card(repo.name, shown, "completed", status.step, status.steps, repo=finished)
    else:
        card = import_card(repo.name, shown, status.status, status.step, status.steps, error=status.error,
                           next_step=_failure_advice(status, repo.name), repo=repo)
    await services.audit.record(actor, "repo.import.finished", outcome="ok" if status.status == "completed"
                                else "failed", target=f"{repo.name} from {shown}", conversation_id=conversation_id,
                                detail=status.error[:200])
    await show(card)


async def _refreshed(services: Services, repo: Repository) -> Repository:
    try:
        return await find_repository(services.client(AZURE_DEVOPS), repo.id) or repo
    except UserFacingError:
        return repo
