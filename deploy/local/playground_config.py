"""Generate the Microsoft 365 Agents Playground's mocked tenant (`.m365agentsplayground.yml`).

The College Team is defined once, in sandbox/world/college_team.json; this turns it into the Playground's
config (schema version 0.1.1) with one person as the signed-in user (`currentUser`) and the five others
as `users`. Generated files belong in a data or temp directory, never in git.

    python deploy/local/playground_config.py --as bob -o data/playground/bob.yml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TEAM_FILE = REPO / "sandbox" / "world" / "college_team.json"
SCHEMA_VERSION = "0.1.1"
USER_COUNT = 5  # the Playground accepts exactly five users besides currentUser
MAX_BOT_NAME = 42
DEFAULT_PERSON = "alice"


class ConfigError(ValueError):
    """The College Team definition cannot be turned into a valid Playground config."""


def load_team(path: Path = TEAM_FILE) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def person_keys(team: dict[str, Any]) -> list[str]:
    return [p["key"] for p in team["people"]]


def _user(person: dict[str, Any]) -> dict[str, str]:
    return {
        "id": person["teams_id"],
        "name": person["name"],
        "userPrincipleName": person["upn"],  # sic: the Playground's spelling
        "aadObjectId": person["aad_object_id"],
        "givenName": person["given_name"],
        "surname": person["surname"],
        "email": person["upn"],
    }


def personal_chat_id(team: dict[str, Any], person: str) -> str:
    """Each person's own 1:1 chat with the bot, as in Teams (one Playground per person shares one bot)."""
    return f"{team['teams']['personal_chat_id']}-{person}"


def build_config(team: dict[str, Any], as_person: str = DEFAULT_PERSON) -> dict[str, Any]:
    """The Playground config as a dict, with `as_person` (a person key) as currentUser."""
    people = {p["key"]: p for p in team["people"]}
    if as_person not in people:
        raise ConfigError(f"unknown person {as_person!r}; choose one of {', '.join(people)}")
    others = [p for key, p in people.items() if key != as_person]
    if len(others) < USER_COUNT:
        raise ConfigError(f"the Playground needs {USER_COUNT} users besides currentUser; the team has {len(others)}")
    bot = team["bot"]
    if len(bot["name"]) > MAX_BOT_NAME:
        raise ConfigError(f"bot name {bot['name']!r} is longer than {MAX_BOT_NAME} characters")
    chats = team["teams"]
    channels = chats["team"]["channels"]
    if len(channels) > 1:
        raise ConfigError("the Playground supports at most one channel besides General")
    config = {
        "version": SCHEMA_VERSION,
        "tenantId": team["tenant_id"],
        "bot": {"id": bot["id"], "name": bot["name"]},
        "currentUser": _user(people[as_person]),
        "users": [_user(p) for p in others[:USER_COUNT]],
        "personalChat": {"id": personal_chat_id(team, as_person)},
        "groupChat": {"id": chats["group_chat"]["id"], "name": chats["group_chat"]["name"]},
        "team": {
            "id": chats["team"]["id"],
            "name": chats["team"]["name"],
            "aadGroupId": chats["team"]["aad_group_id"],
            "channels": [{"id": c["id"], "name": c["name"]} for c in channels],
        },
    }
    _check_unique_ids(config)
    return config


def _check_unique_ids(config: dict[str, Any]) -> None:
    ids = [config["bot"]["id"], config["currentUser"]["id"], config["personalChat"]["id"], config["groupChat"]["id"]]
    ids += [u["id"] for u in config["users"]]
    ids += [config["team"]["id"]] + [c["id"] for c in config["team"]["channels"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"ids must be unique in the Playground config: {', '.join(duplicates)}")


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for this config's shapes (dicts, lists of dicts, strings).

    Scalars are written as JSON strings, which YAML reads as double-quoted strings.
    """
    pad = " " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
        elif isinstance(item, list):
            lines.append(f"{pad}{key}:" + ("" if item else " []"))
            for element in item:
                block = to_yaml(element, indent + 4)
                lines.append(f"{pad}  - {block[indent + 4 :]}")
        else:
            lines.append(f"{pad}{key}: {json.dumps(item, ensure_ascii=False)}")
    return "\n".join(lines)


def write_config(path: Path, as_person: str = DEFAULT_PERSON, team: dict[str, Any] | None = None) -> Path:
    """Write the config for `as_person` to `path` (parent directories are created) and return the path."""
    config = build_config(team if team is not None else load_team(), as_person)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Generated by deploy/local/playground_config.py from {TEAM_FILE.relative_to(REPO)}; do not edit.\n"
    path.write_text(header + to_yaml(config) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    team = load_team()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--as",
        dest="as_person",
        default=DEFAULT_PERSON,
        choices=person_keys(team),
        help="the person signed in to the Playground (default: %(default)s)",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the YAML file")
    args = parser.parse_args(argv)
    try:
        path = write_config(args.output, args.as_person, team)
    except ConfigError as error:
        parser.exit(2, f"playground_config: {error}\n")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
