"""Repository cards: the paged list, one repository (clone URLs, web link), an import's progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from urllib.parse import quote

from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, facts, heading, open_url, status_line, text
from cards.common import next_step as next_step_block

PAGE_SIZE = 12


class RepoLike(Protocol):
    name: str
    default_branch: str
    https_url: str
    ssh_url: str
    web_url: str
    size: int


def _url(url: str) -> str:
    """A URL safe in a Markdown link and an Action.OpenUrl (spaces and the like percent-encoded, once)."""
    return quote(url, safe=":/?&=#%@+,;~!$'*")


def _branch(repo: RepoLike) -> str:
    return repo.default_branch or "(none yet: the repository is empty)"


def repos_card(repos: Sequence[RepoLike], project: str, page: int = 0, page_size: int = PAGE_SIZE) -> Card:
    """One page of the project's repositories, with Back/More buttons when there are more."""
    total = len(repos)
    pages = max(1, -(-total // page_size))
    page = min(max(0, page), pages - 1)
    shown = repos[page * page_size:(page + 1) * page_size]
    subtle = f"{total} repositories" if total != 1 else "1 repository"
    if pages > 1:
        subtle += f", {page * page_size + 1}–{page * page_size + len(shown)} shown (page {page + 1} of {pages})"
    body: list[Element] = heading(f"Repositories in {escape(project)}", subtle=subtle)
    if not repos:
        body.append(text("There are no repositories yet. An admin can add one with **repo create <name>** or "
                         "**repo import <git url>**."))
    for repo in shown:
        body.append(container([
            text(f"**[{escape(repo.name)}]({_url(repo.web_url)})**" if repo.web_url else f"**{escape(repo.name)}**",
                 spacing="None"),
            text(f"Default branch: {escape(_branch(repo))} · {repo.https_url}", isSubtle=True, size="Small",
                 spacing="None"),
        ], separator=True))
    actions: list[Element] = []
    if page > 0:
        actions.append(execute("Back", verbs.REPOS_MORE, {"page": page - 1}))
    if page < pages - 1:
        actions.append(execute(f"More ({total - (page + 1) * page_size} left)", verbs.REPOS_MORE, {"page": page + 1}))
    return card(body, actions, fallback=f"{subtle} in {project}.")


def repo_card(repo: RepoLike, title: str, note: str = "") -> Card:
    body: list[Element] = [
        *heading(title),
        facts([
            ("Name", repo.name),
            ("Default branch", _branch(repo)),
            ("Clone (HTTPS)", repo.https_url),
            ("Clone (SSH)", repo.ssh_url),
        ]),
    ]
    if note:
        body.append(text(note, wrap=True))
    return card(body, [open_url("Open in Azure DevOps", _url(repo.web_url))] if repo.web_url else [],
                fallback=f"{title}: {repo.name} {repo.web_url}")


def import_card(name: str, source: str, status: str, step: int, steps: Sequence[str], *, repo: RepoLike | None = None,
                error: str = "", next_step: str = "") -> Card:
    """An import's state: queued/inProgress (with its steps), completed (with the repository) or failed."""
    title = {
        "completed": f"✅ Imported {escape(name)}",
        "failed": f"❌ Import of {escape(name)} failed",
        "abandoned": f"❌ Import of {escape(name)} was abandoned",
        "timeout": f"⏳ Import of {escape(name)} is still running",
        "unreadable": f"⚠️ Import of {escape(name)}: its progress cannot be read",
    }.get(status, f"⏳ Importing into {escape(name)}…")
    body: list[Element] = [*heading(title), facts([("From", source), ("Into", name), ("Status", status)])]
    if status in ("queued", "inProgress") and steps:
        items = [status_line(True if i + 1 < step else None, label) for i, label in enumerate(steps)
                 if i + 1 <= max(step, 1)]
        body.append(container(items))
        body.append(text("This card updates itself when the import finishes.", isSubtle=True, size="Small"))
    if error:
        body.append(container([text(error, color="Attention")], style="emphasis"))
    if next_step:
        body.append(next_step_block(next_step))
    if repo is not None and status == "completed":
        body.append(facts([("Default branch", _branch(repo)), ("Clone (HTTPS)", repo.https_url),
                           ("Clone (SSH)", repo.ssh_url)]))
    actions = [open_url("Open in Azure DevOps", _url(repo.web_url))] if repo is not None and repo.web_url else []
    return card(body, actions, fallback=f"Import of {name} from {source}: {status}")
