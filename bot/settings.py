"""One typed settings object, read once from the environment (and an optional `.env`), validated at start.

Names follow Azure Bot Service (`MicrosoftAppId`, ...) so an App Service configured by the portal works
unchanged. Every problem is reported with the setting to change, never with a traceback.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.azureml_config import WorkspaceConfig, WorkspaceConfigError, workspace_config
from bot.loopback import is_loopback_host, is_loopback_url  # re-exported: the rule lives in bot/loopback.py
from bot.pending_secrets import check_keys
from bot.store.url import check_store_url

VERSION = "0.1.0"
__all__ = ["VERSION", "Settings", "SettingsError", "is_loopback_host", "is_loopback_url", "load_settings"]


def _split_csv(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)  # type: ignore[arg-type]


CsvList = Annotated[list[str], NoDecode]


def _connection_string_problem(value: str) -> str:
    """What is wrong with an Application Insights connection string ("" if nothing), never repeating it."""
    parts = {}
    for part in value.split(";"):
        key, sep, item = part.partition("=")
        if sep:
            parts[key.strip().lower()] = item.strip()
    if not parts.get("instrumentationkey"):
        return ("APPLICATIONINSIGHTS_CONNECTION_STRING must be the Application Insights resource's connection string "
                "(InstrumentationKey=...;IngestionEndpoint=https://...)")
    endpoint = parts.get("ingestionendpoint", "")
    if endpoint:
        scheme = urlsplit(endpoint).scheme
        if scheme not in ("http", "https") or (scheme == "http" and not is_loopback_url(endpoint)):
            return ("APPLICATIONINSIGHTS_CONNECTION_STRING's IngestionEndpoint must be https:// "
                    "(plain http only on loopback)")
    return ""


class SettingsError(Exception):
    """The configuration cannot start the bot; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Azure Bot Service identity (inbound token validation, outbound connector calls)
    app_id: str = Field("", validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID"))
    app_password: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD")
    )
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE")
    )
    app_tenant_id: str = Field("", validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID"))
    dangerously_allow_unauthenticated_requests: bool = Field(
        False, validation_alias="DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS"
    )
    # Where the channel's OpenID metadata and token issuer live (defaults: Bot Framework public cloud).
    openid_metadata_url: str = Field("", validation_alias="BOT_OPENID_METADATA_URL")
    token_issuer: str = Field("", validation_alias="BOT_TOKEN_ISSUER")

    host: str = Field("127.0.0.1", validation_alias="HOST")
    port: int = Field(3978, validation_alias="PORT", ge=0, le=65535)
    store_url: str = Field("sqlite:///./data/college-bot.db", validation_alias="STORE_URL")
    # the key of an azblob:// store (AccountName+AccountKey, a SAS, or UseDevelopmentStorage=true for Azurite);
    # "" = an Entra identity (DefaultAzureCredential: AZURE_CLIENT_* when its secret is set, else a managed identity)
    azure_storage_connection_string: SecretStr = Field(SecretStr(""),
                                                       validation_alias="AZURE_STORAGE_CONNECTION_STRING")
    allowed_tenant_ids: CsvList = Field(default_factory=list, validation_alias="ALLOWED_TENANT_IDS")
    bot_admins: CsvList = Field(default_factory=list, validation_alias="BOT_ADMINS")
    # hosts `repo import` may use over plain http or at an internal address (an on-premises Git server)
    import_trusted_hosts: CsvList = Field(default_factory=list, validation_alias="IMPORT_TRUSTED_HOSTS")
    # Fernet keys (comma-separated; the first seals, all open) sealing an import URL's credentials between the
    # question and the Confirm click, so any instance can carry it out (bot/pending_secrets.py); "" = kept in this
    # instance's memory only
    pending_secrets_key: SecretStr = Field(SecretStr(""), validation_alias="PENDING_SECRETS_KEY")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias="LOG_LEVEL")
    sdk_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("WARNING", validation_alias="SDK_LOG_LEVEL")
    max_body_bytes: int = Field(256 * 1024, validation_alias="MAX_BODY_BYTES", ge=1024)
    # Application Insights (bot/telemetry.py): traces, metrics and logs through OpenTelemetry; "" = nothing is sent
    applicationinsights_connection_string: SecretStr = Field(
        SecretStr(""), validation_alias="APPLICATIONINSIGHTS_CONNECTION_STRING")

    # Per-user sign-in: the Azure Bot's OAuth connection (to Entra, with the Azure DevOps scope) through which
    # decisions and deployments run with the clicking person's own Azure DevOps token. "" = the bot decides with
    # its own identity (an admin's explicit choice, said in /healthz and on every decision card).
    oauth_connection_name: str = Field("", validation_alias="OAUTH_CONNECTION_NAME")
    # The Bot Framework token service ("" = botbuilder's default, https://api.botframework.com): a regional one,
    # or the sandbox's stand-in on loopback for local runs
    oauth_url: str = Field("", validation_alias="OAUTH_URL")

    # Where Azure DevOps reaches the bot (service hooks POST to <BOT_PUBLIC_URL>/api/devops/events); "" = no subscribe
    bot_public_url: str = Field("", validation_alias="BOT_PUBLIC_URL")
    # How often each instance looks at the digest schedules
    digest_tick_s: float = Field(30.0, validation_alias="DIGEST_TICK_SECONDS", gt=0, le=3600)
    # How long a lease in the store lasts unrenewed (bot/store_lease.py: a confirmed piece of work, an approval
    # decision, a conversation's digest): its holder renews it every third of that; when the holder dies another
    # instance takes the work over once it has expired. Keep it well above the instances' clock skew.
    lease_s: float = Field(60.0, validation_alias="LEASE_SECONDS", ge=1, le=3600)

    # Azure DevOps
    devops_org_url: str = Field("", validation_alias="AZURE_DEVOPS_ORG_URL")
    devops_pat: SecretStr = Field(SecretStr(""), validation_alias="AZURE_DEVOPS_PAT")
    devops_project: str = Field("College", validation_alias="AZURE_DEVOPS_PROJECT")
    devops_team: str = Field("College Team", validation_alias="AZURE_DEVOPS_TEAM")
    admin_group: str = Field("", validation_alias="ADMIN_GROUP")
    # azure-identity's standard variables, read here only to validate a partial configuration
    azure_tenant_id: str = Field("", validation_alias="AZURE_TENANT_ID")
    azure_client_id: str = Field("", validation_alias="AZURE_CLIENT_ID")
    azure_client_secret: SecretStr = Field(SecretStr(""), validation_alias="AZURE_CLIENT_SECRET")

    # Azure ML: the workshop's config.json (AZUREML_CONFIG) and/or the workspace by name; any ARM cloud
    azureml_config: str = Field("", validation_alias="AZUREML_CONFIG")
    azure_subscription_id: str = Field("", validation_alias="AZURE_SUBSCRIPTION_ID")
    azure_resource_group: str = Field("", validation_alias="AZURE_RESOURCE_GROUP")
    azureml_workspace: str = Field("", validation_alias="AZUREML_WORKSPACE")
    azureml_arm_endpoint: str = Field("https://management.azure.com", validation_alias="AZUREML_ARM_ENDPOINT")
    azure_authority_host: str = Field("https://login.microsoftonline.com", validation_alias="AZURE_AUTHORITY_HOST")
    # where the workspace's blob datastores are reached ("" = https://<account>.blob.<cloud's storage suffix>)
    azureml_blob_endpoint: str = Field("", validation_alias="AZUREML_BLOB_ENDPOINT")
    # a CA bundle (PEM) to trust for Azure ML, Entra and the blob endpoint (the sandbox's own CA); "" = the system's
    azure_ca_bundle: str = Field("", validation_alias="AZURE_CA_BUNDLE")
    _workspace: WorkspaceConfig | None = PrivateAttr(default=None)
    # model checks: each runs in its own process with these limits
    model_check_timeout_s: float = Field(120.0, validation_alias="MODEL_CHECK_TIMEOUT_S", gt=0, le=3600)
    model_check_memory_mb: int = Field(2048, validation_alias="MODEL_CHECK_MEMORY_MB", ge=64)

    # Service connections: each live TestConnection gets this long before it is reported as timed out
    connection_test_timeout_s: float = Field(10.0, validation_alias="CONNECTION_TEST_TIMEOUT_S", gt=0, le=60)
    # doctor: what the workshop's setup must contain (the workshop's names by default)
    doctor_repository: str = Field("aidevcollege", validation_alias="DOCTOR_REPOSITORY", min_length=1)
    doctor_repository_url: str = Field("https://github.com/Azure/aidevcollege",
                                       validation_alias="DOCTOR_REPOSITORY_URL")
    doctor_github_connection: str = Field("", validation_alias="DOCTOR_GITHUB_CONNECTION")  # "": any GitHub one
    doctor_arm_connection: str = Field("", validation_alias="DOCTOR_ARM_CONNECTION")  # "": any Azure RM one
    doctor_secure_file: str = Field("config.json", validation_alias="DOCTOR_SECURE_FILE", min_length=1)
    doctor_extension: str = Field("ms-air-aiagility.vss-services-azureml", validation_alias="DOCTOR_EXTENSION")
    doctor_model: str = Field("", validation_alias="DOCTOR_MODEL")  # "": any Azure ML model artifact

    @field_validator("log_level", "sdk_log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("allowed_tenant_ids", "bot_admins", "import_trusted_hosts", mode="before")
    @classmethod
    def _csv(cls, value: object) -> list[str]:
        return _split_csv(value)

    @field_validator("doctor_extension")
    @classmethod
    def _extension_id(cls, value: str) -> str:
        value = value.strip()
        publisher, _, extension = value.partition(".")
        if not publisher or not extension:
            raise ValueError("DOCTOR_EXTENSION must look like <publisher>.<extension>, "
                             "e.g. ms-air-aiagility.vss-services-azureml")
        return value

    @field_validator("bot_public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("devops_org_url")
    @classmethod
    def _org_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("AZURE_DEVOPS_ORG_URL must look like https://dev.azure.com/<organization>")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems: list[str] = []
        if self.app_id:
            if self.dangerously_allow_unauthenticated_requests:
                problems.append(
                    "MicrosoftAppId is set, so remove DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS "
                    "(it is only for local runs without an app id)"
                )
            if self.app_type != "UserAssignedMSI" and not self.app_password.get_secret_value():
                problems.append("MicrosoftAppPassword is missing (needed with MicrosoftAppId)")
            if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
                problems.append(f"MicrosoftAppTenantId is missing (needed with MicrosoftAppType={self.app_type})")
        else:
            if self.app_password.get_secret_value() or self.app_tenant_id:
                problems.append("MicrosoftAppId is missing (MicrosoftAppPassword/MicrosoftAppTenantId are set)")
            elif not self.dangerously_allow_unauthenticated_requests:
                problems.append(
                    "MicrosoftAppId is not set. Set MicrosoftAppId and MicrosoftAppPassword from your Azure Bot "
                    "resource, or, for a local run only, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true"
                )
            elif not is_loopback_host(self.host):
                problems.append(
                    f"HOST={self.host} is not a loopback address: without MicrosoftAppId the bot only listens "
                    "on 127.0.0.1"
                )
        if self.oauth_url:
            scheme = urlsplit(self.oauth_url).scheme
            if scheme not in ("http", "https") or (scheme == "http" and not is_loopback_url(self.oauth_url)):
                problems.append("OAUTH_URL must be an https:// URL (plain http only on loopback)")
            elif not self.app_id and not is_loopback_url(self.oauth_url):
                problems.append("OAUTH_URL must be a loopback address without MicrosoftAppId (local runs only)")
        if self.bot_public_url:
            parts = urlsplit(self.bot_public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname or (
                    parts.scheme == "http" and not is_loopback_url(self.bot_public_url)):
                problems.append("BOT_PUBLIC_URL must be an https:// URL (plain http only on loopback), "
                                "e.g. https://college-bot.azurewebsites.net")
        connection_string = self.applicationinsights_connection_string.get_secret_value()
        if connection_string and (problem := _connection_string_problem(connection_string)):
            problems.append(problem)
        if self.devops_pat.get_secret_value() and not self.devops_org_url:
            problems.append("AZURE_DEVOPS_ORG_URL is missing (AZURE_DEVOPS_PAT is set)")
        if self.azure_client_secret.get_secret_value() and not self.azure_client_id:
            problems.append("AZURE_CLIENT_ID is missing (AZURE_CLIENT_SECRET is set)")
        if self.azure_client_secret.get_secret_value() and not self.azure_tenant_id:
            problems.append("AZURE_TENANT_ID is missing (AZURE_CLIENT_SECRET is set)")
        if self.devops_org_url and not (self.devops_project and self.devops_team):
            problems.append("AZURE_DEVOPS_PROJECT and AZURE_DEVOPS_TEAM must not be empty")
        try:  # read once, here: the workspace (and config.json) is part of the settings
            self._workspace = workspace_config(self.azureml_config, self.azure_subscription_id,
                                               self.azure_resource_group, self.azureml_workspace)
        except WorkspaceConfigError as exc:
            problems.append(str(exc))
        try:
            check_keys(self.pending_secrets_keys)
        except ValueError as exc:
            problems.append(str(exc))
        try:
            check_store_url(self.store_url, self.azure_storage_connection_string.get_secret_value())
        except ValueError as exc:  # the message never repeats the URL (nor the key), which may hold credentials
            problems.append(f"STORE_URL: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def pending_secrets_keys(self) -> list[str]:
        return _split_csv(self.pending_secrets_key.get_secret_value())

    @property
    def auth_enabled(self) -> bool:
        return bool(self.app_id)

    @property
    def per_user_sign_in(self) -> bool:
        """Decisions and deployments run with the person's own Azure DevOps token (OAUTH_CONNECTION_NAME)."""
        return bool(self.oauth_connection_name)

    def workspace(self) -> WorkspaceConfig | None:
        """The Azure ML workspace (and its service principal) from AZUREML_CONFIG and the settings, as read when
        the settings were loaded."""
        return self._workspace

    def secrets(self) -> list[str]:
        """Every secret value configured, so logging can scrub them (config.json's service principal too)."""
        values = [v.get_secret_value() for v in (self.app_password, self.devops_pat, self.azure_client_secret,
                                                 self.applicationinsights_connection_string)]
        values.append(self.azure_storage_connection_string.get_secret_value())
        values.extend(self._storage_keys())
        values.append(self.pending_secrets_key.get_secret_value())
        values.extend(self.pending_secrets_keys)  # each key alone too
        if self._workspace is not None:
            values.append(self._workspace.client_secret)
        return [v for v in values if v]

    def _storage_keys(self) -> list[str]:
        """The key or SAS inside the storage connection string (logged alone, they are secrets too)."""
        pairs = (part.partition("=") for part in self.azure_storage_connection_string.get_secret_value().split(";"))
        return [value.strip() for name, _, value in pairs
                if name.strip().lower() in ("accountkey", "sharedaccesssignature") and value.strip()]


def load_settings(**overrides: object) -> Settings:
    """Reads and validates the settings; raises SettingsError naming what to set."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part)
            text = error.get("msg", "").removeprefix("Value error, ")
            messages.append(f"{where}: {text}" if where else text)
        raise SettingsError("Invalid configuration: " + "; ".join(messages)) from None
