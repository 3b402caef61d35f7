"""Parsing of sqlite:/// store URLs."""

from __future__ import annotations

import pytest

from bot.store.sqlite import path_from_url


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///./data/bot.db", "./data/bot.db"),
        ("sqlite:///data/bot.db", "data/bot.db"),
        ("sqlite:////abs/path/bot.db", "/abs/path/bot.db"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_url_paths(url: str, path: str) -> None:
    assert path_from_url(url) == path


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite://host/db", "postgres:///db"])
def test_sqlite_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        path_from_url(url)
