"""Settings: validated at start, with messages that say what to set."""

import pytest

from bot.services.devops.backend import AZURE_DEVOPS
from bot.settings import SettingsError, is_loopback_url, load_settings


def load(**values):
    return load_settings(_env_file=None, **values)


def test_refuses_to_start_without_app_id_unless_dangerously_allowed():
    with pytest.raises(SettingsError, match="DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true"):
        load()
    settings = load(DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true")
    assert not settings.auth_enabled and settings.host == "127.0.0.1"
    assert not AZURE_DEVOPS.configured(settings)


def test_local_mode_listens_only_on_loopback():
    with pytest.raises(SettingsError, match=r"HOST=0\.0\.0\.0 is not a loopback"):
        load(DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true", HOST="0.0.0.0")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"MicrosoftAppId": "abc"}, "MicrosoftAppPassword is missing"),
        ({"MicrosoftAppId": "abc", "MicrosoftAppPassword": "p", "MicrosoftAppType": "SingleTenant"},
         "MicrosoftAppTenantId is missing"),
        ({"MicrosoftAppPassword": "p"}, "MicrosoftAppId is missing"),
        ({"MicrosoftAppId": "abc", "MicrosoftAppPassword": "p", "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "1"},
         "remove DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS"),
        ({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "1", "AZURE_DEVOPS_PAT": "x"},
         "AZURE_DEVOPS_ORG_URL is missing"),
        ({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "1", "AZURE_CLIENT_SECRET": "x"}, "AZURE_CLIENT_ID is missing"),
        ({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "1", "AZURE_DEVOPS_ORG_URL": "dev.azure.com/x"},
         "https://dev.azure.com/<organization>"),
        ({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "1", "STORE_URL": "postgres://x"}, "sqlite:///"),
        ({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "1", "PORT": "70000"}, "PORT"),
    ],
)
def test_partial_configuration_names_what_is_missing(values, message):
    with pytest.raises(SettingsError) as raised:
        load(**values)
    assert message in str(raised.value)
    for secret in ("p", "x"):
        assert f"'{secret}'" not in str(raised.value)


@pytest.mark.parametrize(("url", "message"), [
    ("sqlite://host/bot.db", "STORE_URL: sqlite URL must look like sqlite:///"),
    ("redis://user:s3cret@cache:6379/0", "STORE_URL: unsupported store URL scheme 'redis'; supported schemes: sqlite:///"),
    ("/data/s3cret.db", "STORE_URL: store URL has no scheme; supported schemes: sqlite:///"),
])
def test_store_url_is_checked_by_the_store_backends_without_echoing_it(url, message):
    with pytest.raises(SettingsError) as raised:
        load(DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="1", STORE_URL=url)
    assert message in str(raised.value)
    assert "s3cret" not in str(raised.value) and "host" not in str(raised.value)


def test_real_azure_configuration_by_settings_alone():
    settings = load(MicrosoftAppId="app", MicrosoftAppPassword="pw", AZURE_DEVOPS_ORG_URL="https://dev.azure.com/college/",
                    AZURE_DEVOPS_PAT="pat", ALLOWED_TENANT_IDS="t1, t2")
    assert settings.auth_enabled and AZURE_DEVOPS.configured(settings) and AZURE_DEVOPS.target(settings) == "azure"
    assert settings.devops_org_url == "https://dev.azure.com/college"
    assert settings.allowed_tenant_ids == ["t1", "t2"]
    assert sorted(settings.secrets()) == ["pat", "pw"]
    assert AZURE_DEVOPS.target(load(DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="1",
                                    AZURE_DEVOPS_ORG_URL="http://127.0.0.1:9/college")) == "sandbox"


def test_settings_come_from_a_dotenv_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true\nPORT=4000\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().port == 4000


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:5/x", True), ("http://localhost/", True), ("http://[::1]:3/", True),
    ("http://127.8.9.1/", True), ("https://smba.trafficmanager.net/", False), ("http://10.0.0.1/", False),
    ("not a url", False), ("", False),
])
def test_loopback(url, loopback):
    assert is_loopback_url(url) is loopback
