"""azblob:// store URLs, storage connection strings and blob names: parsed without echoing secrets; the settings
that go with them."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings
from bot.store import check_store_url
from bot.store.azblob import blob_key
from bot.store.azblob_url import DEV_ACCOUNT_KEY, BlobLocation, location_from_url, parse_connection_string
from bot.store.url import store_scheme


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("azblob://collegebot/bot-state", BlobLocation("https://collegebot.blob.core.windows.net", "bot-state")),
        ("AZBLOB://collegebot/bot-state", BlobLocation("https://collegebot.blob.core.windows.net", "bot-state")),
        ("azblob://127.0.0.1:10000/devstoreaccount1/bot-state",
         BlobLocation("http://127.0.0.1:10000/devstoreaccount1", "bot-state")),
        ("azblob://localhost:10000/devstoreaccount1/bot",
         BlobLocation("http://localhost:10000/devstoreaccount1", "bot")),
        ("azblob://[::1]:10000/devstoreaccount1/bot", BlobLocation("http://[::1]:10000/devstoreaccount1", "bot")),
        ("azblob://collegebot.blob.core.chinacloudapi.cn/bot-state",
         BlobLocation("https://collegebot.blob.core.chinacloudapi.cn", "bot-state")),
        ("azblob://storage.internal:8443/acct/bot-state",
         BlobLocation("https://storage.internal:8443/acct", "bot-state")),
    ],
)
def test_url_forms(url: str, location: BlobLocation) -> None:
    assert location_from_url(url) == location
    check_store_url(url, "UseDevelopmentStorage=true")
    if location.account_url.startswith("https://"):
        check_store_url(url)  # an Entra identity
    else:
        with pytest.raises(ValueError, match="needs AZURE_STORAGE_CONNECTION_STRING"):
            check_store_url(url)  # no bearer tokens over plain http
    assert store_scheme(url).name == "azblob"


@pytest.mark.parametrize(
    "url",
    [
        "azblob://", "azblob://collegebot", "azblob://collegebot/", "azblob://collegebot//c1",
        "azblob://CollegeBot/bot-state",  # account names are lower case
        "azblob://collegebot/Bot_State", "azblob://collegebot/a--b", "azblob://collegebot/ab",
        "azblob://collegebot/extra/bot-state",  # an account has no path before its container
        "azblob://user:s3cret@collegebot/bot-state", "azblob://collegebot/bot-state?sig=s3cret",
        "azblob://collegebot/bot-state#s3cret", "azblob://127.0.0.1:99999/acct/bot", "azblob://coll ege/s3cret",
    ],
)
def test_malformed_urls_are_refused_without_echo(url: str) -> None:
    with pytest.raises(ValueError) as raised:
        check_store_url(url)
    assert "s3cret" not in str(raised.value) and "collegebot" not in str(raised.value).replace("azblob://", "")


def test_connection_strings() -> None:
    real = parse_connection_string("DefaultEndpointsProtocol=https;AccountName=collegebot;AccountKey=a2V5;"
                                   "EndpointSuffix=core.windows.net")
    assert (real["accountname"], real["accountkey"]) == ("collegebot", "a2V5")
    assert parse_connection_string("BlobEndpoint=https://x.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=s"
                                   )["sharedaccesssignature"] == "sv=1&sig=s"
    dev = parse_connection_string("UseDevelopmentStorage=true")
    assert (dev["accountname"], dev["accountkey"]) == ("devstoreaccount1", DEV_ACCOUNT_KEY)
    for bad in ("AccountName=collegebot", "s3cret", "AccountKey=s3cret;=x", ""):
        with pytest.raises(ValueError) as raised:
            parse_connection_string(bad)
        assert "s3cret" not in str(raised.value)


def test_blob_names_are_safe_and_distinct_for_any_key() -> None:
    keys = ["msteams/conversations/19:abc@thread.tacv2/users/29:1", "a/b", "a~2Fb", "Zoë 李", "..", "", "a" * 2000,
            "a" * 2001, "trailing.", "x%2Fy", "x\\y"]
    names = [blob_key(key) for key in keys]
    assert len(set(names)) == len(names)
    assert all(name and len(name) <= 700 and set(name) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                              "0123456789-_~") for name in names)
    assert blob_key("conv-1_x") == "conv-1_x"


def load(**values):
    return load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="1", **values)


def test_settings_take_a_connection_string_as_a_secret_and_check_it_without_echo(monkeypatch) -> None:
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    connection = "DefaultEndpointsProtocol=https;AccountName=collegebot;AccountKey=S3cretKey==;"
    settings = load(STORE_URL="azblob://collegebot/bot-state", AZURE_STORAGE_CONNECTION_STRING=connection)
    assert connection in settings.secrets() and "S3cretKey==" in settings.secrets()
    assert "S3cretKey" not in repr(settings)

    with pytest.raises(SettingsError, match="needs AccountName and AccountKey") as raised:
        load(STORE_URL="azblob://collegebot/bot-state", AZURE_STORAGE_CONNECTION_STRING="AccountKey=S3cretKey==")
    assert "S3cretKey" not in str(raised.value)

    assert load(STORE_URL="azblob://collegebot/bot-state").secrets() == []  # Entra identity: nothing secret
    with pytest.raises(SettingsError, match="AZURE_STORAGE_CONNECTION_STRING"):
        load(STORE_URL="azblob://127.0.0.1:10000/devstoreaccount1/bot")  # Azurite over http: a key is needed
    assert load(STORE_URL="azblob://127.0.0.1:10000/devstoreaccount1/bot",
                AZURE_STORAGE_CONNECTION_STRING="UseDevelopmentStorage=true").secrets()  # its well-known key


def test_a_connection_string_for_something_else_does_not_stop_a_sqlite_bot(monkeypatch) -> None:
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    settings = load(AZURE_STORAGE_CONNECTION_STRING="not one of ours")
    assert settings.store_url.startswith("sqlite:") and "not one of ours" in settings.secrets()


async def test_the_credential_is_the_connection_strings_key_or_else_an_entra_identity(monkeypatch) -> None:
    from azure.identity.aio import DefaultAzureCredential

    from bot.store.azblob import _credential

    assert _credential("AccountName=acct;AccountKey=a2V5") == {"account_name": "acct", "account_key": "a2V5"}
    assert _credential("BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=?sv=1&sig=x") \
        == "sv=1&sig=x"
    entra = _credential("")
    try:
        assert isinstance(entra, DefaultAzureCredential)
    finally:
        await entra.close()
