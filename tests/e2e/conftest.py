"""End-to-end fixtures: the real bot and the Microsoft 365 Agents Playground, driven by headless Chromium.

Everything runs in a private network namespace (only loopback): `make test` starts pytest in one; run
directly as root, the `private_network` fixture moves the test process into a fresh one first.

Session scope (started once, on first use): the sandbox, the bot (`python app.py`, local mode, its own
SQLite store), one Playground per signed-in person. Package scope: one Chromium (closed when the e2e tests
are done, because Playwright's sync API keeps an asyncio loop running while it is open).
Function scope: `teams`, a fresh page signed in as alice; `teams_as("bob")`, a fresh page signed in as
someone else (on their own Playground). A failing test leaves a screenshot under test-artifacts/e2e/.

    def test_something(teams):
        teams.open_channel()
        reply = teams.mention_bot_and_send("help")
        assert "whoami" in teams.last_card().inner_text()
        teams.click_card_button("Who am I")
        teams.playground.invoke_as("bob", verb, data, reply_to_id=reply.id)
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from deploy.local import devstack, playground_config
from tests.e2e.teams_ui import CHROMIUM, CHROMIUM_ARGS, Playground, Teams, block_non_loopback

ARTIFACTS = devstack.REPO / "test-artifacts" / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def private_network() -> None:
    """Nothing the end-to-end tests start may reach anything but loopback."""
    try:
        devstack.enter_private_network()
    except (OSError, FileNotFoundError) as error:
        pytest.fail(
            f"cannot run in a private network namespace ({error}). Use `make test`, or "
            "`deploy/local/in-private-netns .venv/bin/python -m pytest tests/e2e`."
        )


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def e2e_artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def _started(what: str, start: Callable[[], devstack.Child | tuple]) -> devstack.Child | tuple:
    try:
        return start()
    except devstack.StartupError as error:
        pytest.fail(f"{what} did not start: {error}", pytrace=False)


@pytest.fixture(scope="session")
def sandbox_settings(private_network, e2e_dir: Path) -> Iterator[dict[str, str]]:
    """The local Azure DevOps/Azure ML sandbox (`python -m sandbox`); yields the settings it printed."""
    child, settings = _started("the sandbox", lambda: devstack.start_sandbox(e2e_dir / "logs", e2e_dir / "sandbox.env"))
    yield settings
    child.stop()


class BotServer(NamedTuple):
    port: int
    child: devstack.Child

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def bot_server(private_network, sandbox_settings: dict[str, str], e2e_dir: Path) -> Iterator[BotServer]:
    """`python app.py` in local mode on a free loopback port, as `make run` starts it, with its own store."""
    port = devstack.free_port()
    env = {**sandbox_settings, "STORE_URL": f"sqlite:///{e2e_dir}/bot.db"}
    work = e2e_dir / "bot"  # its working directory: no developer .env, no ./data
    work.mkdir()
    child = _started("the bot", lambda: devstack.start_bot(e2e_dir / "logs", port, env, cwd=work))
    yield BotServer(port, child)
    child.stop()


@pytest.fixture(scope="session")
def playgrounds(private_network, bot_server: BotServer, e2e_dir: Path) -> Iterator[Callable[[str], Playground]]:
    """`playgrounds(person)`: the Playground signed in as `person` (a key of college_team.json).

    One Playground per person, each with its own generated config, started on first use.
    """
    team = playground_config.load_team()
    running: dict[str, tuple[Playground, devstack.Child]] = {}

    def get(person: str) -> Playground:
        if person not in running:
            config = playground_config.build_config(team, person)
            path = playground_config.write_config(e2e_dir / "playground" / f"{person}.yml", person, team)
            port = devstack.free_port()
            logs, name = e2e_dir / "logs", f"playground-{person}"
            child = _started(
                f"the Playground as {person}",
                lambda: devstack.start_playground(logs, path, bot_server.port, port, name),
            )
            running[person] = (Playground(person, port, config, child.log_path), child)
        return running[person][0]

    yield get
    devstack.stop_all([child for _, child in running.values()])


@pytest.fixture(scope="package")
def browser(private_network, e2e_dir: Path):
    """One headless system Chromium with a fresh profile; requests off loopback are aborted.

    Package scope, not session: Playwright's sync API keeps an asyncio loop running on this thread while
    it is open, which breaks every async test that would run after it.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Chromium (deploy/local/ensure-chromium)", pytrace=False)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(e2e_dir / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        block_non_loopback(context)
        yield context
        context.close()


@pytest.fixture
def teams_as(
    browser, playgrounds: Callable[[str], Playground], e2e_artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Teams]]:
    """`teams_as(person)`: a fresh page of the Playground signed in as `person`, personal chat open."""
    opened: list[Teams] = []

    def open_as(person: str) -> Teams:
        teams = Teams(browser.new_page(), playgrounds(person), e2e_artifacts / _slug(request.node.name))
        teams.artifacts.mkdir(exist_ok=True)
        opened.append(teams)
        return teams.load()

    yield open_as
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = []
    for teams in opened:
        if failed:
            teams.screenshot(f"failed-{teams.playground.person}")
        teams.page.close()
        problems += teams.card_problems
    assert not problems, "the bot showed invalid Adaptive Cards in the Playground:\n" + "\n".join(problems)


@pytest.fixture
def teams(teams_as: Callable[[str], Teams]) -> Teams:
    """A fresh page of the Playground signed in as alice (an admin), personal chat open."""
    return teams_as("alice")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
