"""APPLICATIONINSIGHTS_CONNECTION_STRING: checked at start without repeating it, and scrubbed like every secret."""

import pytest

from bot.settings import SettingsError, load_settings

KEY = "InstrumentationKey=5a1c0c0e-1111-4222-8333-944445555666"


def load(**values):
    return load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="1", **values)


@pytest.mark.parametrize("value", [
    f"{KEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://x/",
    f"{KEY}",
    f"{KEY};IngestionEndpoint=http://127.0.0.1:4318/",
])
def test_a_connection_string_is_accepted_and_is_a_secret(value):
    settings = load(APPLICATIONINSIGHTS_CONNECTION_STRING=value)
    assert value in settings.secrets()
    assert value not in repr(settings)


@pytest.mark.parametrize(("value", "message"), [
    ("s3cret-not-a-connection-string", "must be the Application Insights resource's connection string"),
    ("IngestionEndpoint=https://s3cret.example/", "must be the Application Insights resource's connection string"),
    (f"{KEY}s3cret;IngestionEndpoint=http://s3cret.example/", "IngestionEndpoint must be https://"),
])
def test_a_wrong_connection_string_stops_the_bot_without_repeating_it(value, message):
    with pytest.raises(SettingsError) as raised:
        load(APPLICATIONINSIGHTS_CONNECTION_STRING=value)
    assert message in str(raised.value) and "s3cret" not in str(raised.value)
