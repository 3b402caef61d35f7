"""Opening a store from ``STORE_URL``: the scheme chooses the backend; errors never echo the URL."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import UnsupportedStoreUrl, check_store_url, open_store
from bot.store.url import SCHEMES, store_scheme


async def test_open_store_with_unknown_scheme() -> None:
    with pytest.raises(ValueError, match=r"supported schemes: sqlite://") as raised:
        await open_store("redis://user:s3cret@host/0")
    assert "s3cret" not in str(raised.value)

    with pytest.raises(ValueError, match="sqlite://"):
        await open_store("/just/a/path.db")


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("redis://user:s3cret@host/0", "unsupported store URL scheme 'redis'"),
        ("/var/lib/s3cret.db", "store URL has no scheme"),
        ("", "store URL has no scheme"),
        ("user:s3cret@host://db", "unsupported store URL scheme;"),  # not a scheme: not repeated
        ("S3CRET0123456789ABCDEFGH://db", "unsupported store URL scheme;"),  # too long to be one
    ],
)
def test_unsupported_urls_name_the_schemes_that_exist_and_nothing_else(url: str, said: str) -> None:
    with pytest.raises(UnsupportedStoreUrl) as raised:
        check_store_url(url)

    message = str(raised.value)
    assert said in message
    assert message.endswith("supported schemes: " + ", ".join(scheme.form for scheme in SCHEMES))
    assert "s3cret" not in message.lower()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite://s3cret@host/db"])
def test_malformed_url_of_a_known_scheme_is_refused_without_echo(url: str) -> None:
    with pytest.raises(ValueError) as raised:
        check_store_url(url)
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize("url", ["sqlite:///./data/bot.db", "SQLite:////abs/bot.db", "sqlite:///:memory:"])
def test_wellformed_urls_are_accepted(url: str) -> None:
    check_store_url(url)
    assert store_scheme(url).name == "sqlite"


def test_every_registered_backend_provides_check_url_and_open_url() -> None:
    assert len({scheme.name for scheme in SCHEMES}) == len(SCHEMES)
    for scheme in SCHEMES:
        module = importlib.import_module(scheme.module)
        assert callable(module.check_url) and callable(module.open_url), scheme.module
        assert scheme.name == scheme.name.lower() and scheme.form.startswith(f"{scheme.name}://")


def test_backends_are_imported_only_when_their_scheme_is_used() -> None:
    probe = (
        "import sys, bot.store; loaded = 'bot.store.sqlite' in sys.modules; "
        "bot.store.check_store_url('sqlite:///x.db'); print(loaded, 'bot.store.sqlite' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
