"""BOT_PUBLIC_URL: where Azure DevOps' service hooks reach the bot (https; plain http only on loopback)."""

import pytest

from bot.settings import SettingsError, load_settings


def load(**values):
    return load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true", **values)


def test_unset_by_default():
    assert load().bot_public_url == ""


@pytest.mark.parametrize("url", ["https://college-bot.azurewebsites.net/", "http://127.0.0.1:3978", "http://[::1]:1"])
def test_https_or_loopback_http(url):
    assert load(BOT_PUBLIC_URL=url).bot_public_url == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://college-bot.example.com", "ftp://127.0.0.1", "college-bot", "https://"])
def test_anything_else_says_what_to_set(url):
    with pytest.raises(SettingsError, match="BOT_PUBLIC_URL must be an https:// URL"):
        load(BOT_PUBLIC_URL=url)
