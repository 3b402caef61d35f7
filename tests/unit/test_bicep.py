"""deploy/azure/main.bicep, checked statically.

No Bicep compiler can be installed here (it comes from NuGet or a GitHub download, neither reachable from this
machine's registries), so this is a pragmatic structural test: it reads the file as text, line by line, and checks
the rules that can be seen without compiling it. It does not prove the template deploys; `az deployment group
what-if` does that (README, "Deploy to Azure").
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import SecretStr

from bot.settings import Settings

BICEP = Path(__file__).resolve().parents[2] / "deploy" / "azure" / "main.bicep"
TEXT = BICEP.read_text()
LINES = [line.rstrip() for line in TEXT.splitlines() if not line.lstrip().startswith("//")]

STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
SECRET_WORDS = re.compile(r"secret|password|pat$|connectionstring|token|(?<!vault)key|credential", re.IGNORECASE)
# app settings that hold secrets: every SecretStr setting, plus the connection strings read by the SDKs themselves
SDK_SECRETS = {"APPLICATIONINSIGHTS_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING"}


def _secret_setting_names() -> set[str]:
    names = set(SDK_SECRETS)
    for field in Settings.model_fields.values():
        if field.annotation is SecretStr:
            alias = field.validation_alias
            names.update(n for n in (getattr(alias, "choices", None) or [alias]) if isinstance(n, str))
    return names


def _params() -> dict[str, dict]:
    """name -> {"decorators": [...], "default": str | None}"""
    params, decorators = {}, []
    for line in LINES:
        stripped = line.strip()
        if stripped.startswith("@"):
            decorators.append(stripped)
            continue
        match = re.match(r"param (\w+) \w+(?: = (.+))?$", stripped)
        if match:
            params[match.group(1)] = {"decorators": decorators, "default": match.group(2)}
        if stripped:
            decorators = []
    return params


def _block(start: str) -> list[str]:
    """The lines of a `{ ... }` block whose first line starts with `start` (braces counted)."""
    for i, line in enumerate(LINES):
        if line.strip().startswith(start):
            depth, body = 0, []
            for inner in LINES[i:]:
                depth += inner.count("{") - inner.count("}")
                body.append(inner)
                if depth <= 0 and len(body) > 1:
                    return body
    raise AssertionError(f"no block starting with {start!r} in main.bicep")


def _app_settings() -> dict[str, str]:
    """Every app setting: the entries of the objects merged into the site's appsettings."""
    merged = re.search(r"properties: union\(([^)]*)\)", "\n".join(_block("resource appSettings")))
    assert merged, "the appsettings resource should be union(...) of setting objects"
    settings = {}
    for var in (v.strip() for v in merged.group(1).split(",")):
        for line in _block(f"var {var} ="):
            match = re.match(r"\s+(\w+): (.+)$", line)
            if match:
                settings[match.group(1)] = match.group(2)
    return settings


def test_no_secure_parameter_has_a_default():
    secure = {name: p for name, p in _params().items() if "@secure()" in p["decorators"]}
    assert {"botAppPassword", "oauthAppSecret"} <= set(secure)
    assert {name: p["default"] for name, p in secure.items() if p["default"] is not None} == {}


def test_every_parameter_is_documented_and_secret_looking_ones_are_secure():
    params = _params()
    assert [n for n, p in params.items() if not any(d.startswith("@description(") for d in p["decorators"])] == []
    looks_secret = [n for n in params if re.search(r"password|secret$", n, re.IGNORECASE)]
    assert [n for n in looks_secret if "@secure()" not in params[n]["decorators"]] == []


def test_no_output_names_or_reads_a_secret():
    outputs = [re.match(r"output (\w+) \w+ = (.+)$", line.strip()) for line in LINES]
    outputs = [m for m in outputs if m]
    assert len(outputs) >= 5
    secure = {n for n, p in _params().items() if "@secure()" in p["decorators"]}
    for match in outputs:
        name, value = match.groups()
        assert not SECRET_WORDS.search(name), f"output {name} looks like a secret"
        assert not re.search(r"listKeys|listSecrets|ConnectionString|InstrumentationKey", value), name
        assert not any(re.search(rf"\b{param}\b", value) for param in secure), name


def test_every_secret_app_setting_is_a_key_vault_reference():
    settings = _app_settings()
    secret_names = _secret_setting_names()
    assert {"MicrosoftAppPassword", "APPLICATIONINSIGHTS_CONNECTION_STRING", "AZURE_DEVOPS_PAT"} <= set(settings)
    for name, value in settings.items():
        if name in secret_names or SECRET_WORDS.search(name.replace("_", "")):
            assert value.startswith("'@Microsoft.KeyVault("), f"{name} must be a Key Vault reference, not {value}"
    secure = {n for n, p in _params().items() if "@secure()" in p["decorators"]}
    assert [n for n, v in settings.items() if any(re.search(rf"\b{p}\b", v) for p in secure)] == []


def test_the_app_is_configured_for_the_bot_the_store_and_sign_in():
    settings = _app_settings()
    assert settings["STORE_URL"] == "'azblob://${storage.name}/${container.name}'"
    assert settings["OAUTH_CONNECTION_NAME"] == "oauthConnectionName"
    assert settings["MicrosoftAppType"] == "'SingleTenant'"
    assert "BOT_PUBLIC_URL" in settings and "APPLICATIONINSIGHTS_CONNECTION_STRING" in settings
    assert not [n for n in settings if n not in SDK_SECRETS and not n.startswith("WEBSITES_")
                and not _is_a_setting(n)], "an app setting the bot does not read"


def _is_a_setting(name: str) -> bool:
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if name in (getattr(alias, "choices", None) or [alias]):
            return True
    return False


def test_two_instances_and_the_readiness_health_check():
    params = _params()
    assert params["instanceCount"]["default"] == "2"
    assert "@minValue(2)" in params["instanceCount"]["decorators"]
    assert "capacity: instanceCount" in "\n".join(_block("resource plan"))
    site = "\n".join(_block("resource site"))
    assert "healthCheckPath: '/readyz'" in site
    assert "httpsOnly: true" in site


def test_storage_has_no_account_keys_and_the_identity_writes_blobs_in_its_container():
    storage = "\n".join(_block("resource storage "))
    assert "allowSharedKeyAccess: false" in storage
    assert "allowBlobPublicAccess: false" in storage
    assert f"storageBlobDataContributor: '{STORAGE_BLOB_DATA_CONTRIBUTOR}'" in TEXT
    writer = "\n".join(_block("resource storeWriter"))
    assert "scope: container" in writer and "roles.storageBlobDataContributor" in writer
    assert "principalId: identity.properties.principalId" in writer


def test_the_bot_has_the_teams_channel_and_the_azure_devops_oauth_connection():
    assert "channelName: 'MsTeamsChannel'" in "\n".join(_block("resource teams"))
    connection = "\n".join(_block("resource oauthConnection"))
    assert "serviceProviderDisplayName: 'Azure Active Directory v2'" in connection
    assert "clientSecret: oauthAppSecret" in connection
    assert "var devopsScope = '499b84ac-1321-427f-aa17-267ca6975798/user_impersonation'" in TEXT
    assert "scopes: devopsScope" in connection


def test_key_vault_uses_rbac_and_the_app_reads_it_with_its_identity():
    vault = "\n".join(_block("resource vault "))
    assert "enableRbacAuthorization: true" in vault
    assert "keyVaultReferenceIdentity: identity.id" in "\n".join(_block("resource site"))
    assert "roles.keyVaultSecretsUser" in "\n".join(_block("resource vaultReader"))


def test_the_app_settings_are_a_configuration_the_bot_starts_with(monkeypatch):
    """The app settings, with made-up values where Bicep computes them (a Key Vault reference becomes the secret
    it resolves to), pass the bot's own settings validation."""
    from bot.settings import load_settings
    from bot.store.url import SCHEMES

    made_up = {"botAppId": "11111111-1111-1111-1111-111111111111",
               "tenantId": "22222222-2222-2222-2222-222222222222",
               "identity.properties.clientId": "33333333-3333-3333-3333-333333333333",
               "publicUrl": "https://college-bot.azurewebsites.net", "devopsOrgUrl": "https://dev.azure.com/contoso",
               "allowedTenantIds": "22222222-2222-2222-2222-222222222222", "botAdmins": "",
               "oauthConnectionName": "AzureDevOps", "devopsProject": "College", "devopsTeam": "College Team",
               "azuremlSubscriptionId": "44444444-4444-4444-4444-444444444444", "azuremlResourceGroup": "ml",
               "azuremlWorkspace": "college-ws"}
    for key in list(os.environ):
        if key.startswith(("Microsoft", "MICROSOFT_", "AZURE", "OAUTH_", "BOT_", "STORE_URL", "DANGEROUSLY")):
            monkeypatch.delenv(key, raising=False)
    values = {}
    for name, expression in _app_settings().items():
        if expression.startswith("'@Microsoft.KeyVault(") and name == "APPLICATIONINSIGHTS_CONNECTION_STRING":
            values[name] = ("InstrumentationKey=55555555-5555-5555-5555-555555555555;"
                            "IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/")
        elif expression.startswith("'@Microsoft.KeyVault(") and name == "PENDING_SECRETS_KEY":
            values[name] = "aGVyZS1pcy1hLXRoaXJ0eS10d28tYnl0ZS1rZXktLS0="  # a Fernet key: 32 bytes, url-safe base64
        elif expression.startswith("'@Microsoft.KeyVault("):
            values[name] = "resolved-secret"
        elif re.fullmatch(r"'[^'$]*'", expression):
            values[name] = expression.strip("'")
        elif name == "STORE_URL":
            scheme = expression.strip("'").partition("://")[0]
            # the Azure Blob store comes with issue 12 item 1; until its scheme is registered, check the rest
            values[name] = "azblob://account/container" if any(s.name == scheme for s in SCHEMES) \
                else "sqlite:////tmp/college-bot-bicep-check.db"
        else:
            assert expression in made_up, f"{name}: no made-up value for {expression}"
            values[name] = made_up[expression]
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert settings.app_id and settings.auth_enabled and settings.per_user_sign_in
    assert settings.app_type == "SingleTenant" and settings.bot_public_url.startswith("https://")
