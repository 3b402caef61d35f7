"""The real azure-ai-ml, azure-identity and azure-storage-blob, unchanged, against the sandbox's Azure ML.

Every ARM answer they get is also checked against azure-ai-ml's generated REST models (``arm_exchanges``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from azure.ai.ml._utils._storage_utils import get_ds_name_and_path_prefix

from sandbox.models import seed_models


@pytest.fixture(scope="module")
def seeded():
    return {(v.name, v.version): v for v in seed_models()}


def _calls(sandbox, since: int, origin: str = "arm") -> list[dict]:
    return [r for r in sandbox.control.requests(since) if r["origin"] == origin]


def test_workspace_get(azureml_sandbox):
    workspace = azureml_sandbox.ml_client().workspaces.get(azureml_sandbox.env["AZUREML_WORKSPACE"])
    assert (workspace.name, workspace.location, workspace.resource_group) == ("college-aml", "westeurope", "college-rg")
    assert workspace.id == "/" + azureml_sandbox.workspace_path
    assert workspace.display_name == "College AML" and workspace.discovery_url.startswith("https://127.0.0.1:")


def test_models_list_gives_each_model_with_its_latest_version(azureml_sandbox):
    models = {m.name: m for m in azureml_sandbox.ml_client().models.list()}
    assert {name: m.latest_version for name, m in models.items()} == {"TinyResNet": "2", "TinyYOLO": "3"}
    assert all(m.version is None for m in models.values())  # containers, as on Azure
    assert models["TinyYOLO"].creation_context.created_by == "Dave Datascientist"  # who registered version 1


def test_versions_carry_tags_description_and_who_registered_them_when(azureml_sandbox, seeded):
    now = datetime.fromisoformat(azureml_sandbox.control.info()["now"])
    versions = list(azureml_sandbox.ml_client().models.list("TinyYOLO"))
    assert [v.version for v in versions] == ["3", "2", "1"]  # newest first
    for model in versions:
        seed = seeded[("TinyYOLO", int(model.version))]
        assert (model.tags, model.description) == (seed.tags, seed.description)
        assert model.creation_context.created_by == seed.created_by
        registered = now - timedelta(days=seed.created_days_ago)
        assert abs(model.creation_context.created_at - registered) < timedelta(minutes=5)
        assert model.path.startswith("azureml://subscriptions/")
        assert "/datastores/workspaceblobstore/paths/" in model.path


def test_get_by_version_and_by_label_latest(azureml_sandbox):
    client = azureml_sandbox.ml_client()
    since = azureml_sandbox.control.last_seq()
    assert client.models.get("TinyYOLO", version="2").description.startswith("Tiny YOLOv2 retrained")
    assert client.models.get("TinyYOLO", label="latest").version == "3"
    assert client.models.get("TinyResNet", label="latest").version == "2"
    latest = [c for c in _calls(azureml_sandbox, since) if "$top" in c["query"]]
    assert latest and all("$orderBy=createdtime desc" in c["query"] and "$top=1" in c["query"] for c in latest)


def test_lists_page_with_next_link(azureml_sandbox):
    azureml_sandbox.control.reset(page_size=1)
    client = azureml_sandbox.ml_client()
    since = azureml_sandbox.control.last_seq()
    assert [m.name for m in client.models.list()] == ["TinyResNet", "TinyYOLO"]
    assert [m.version for m in client.models.list("TinyYOLO")] == ["3", "2", "1"]
    calls = _calls(azureml_sandbox, since)
    assert len(calls) == 5  # two pages of models, three of versions
    assert sum("$skip=" in c["query"] for c in calls) == 3
    assert all("api-version=2023-08-01-preview" in c["query"] for c in calls)


def test_created_order_ascending_and_top(azureml_sandbox):
    operations = azureml_sandbox.ml_client().models._model_versions_operation
    scope = azureml_sandbox.config
    ascending = operations.list(resource_group_name=scope["resource_group"], workspace_name=scope["workspace_name"],
                                name="TinyYOLO", order_by="createdtime asc", top=2)
    assert [v.name for v in ascending] == ["1", "2"]


def test_datastore_get_and_list_secrets(azureml_sandbox):
    client = azureml_sandbox.ml_client()
    store = client.datastores.get("workspaceblobstore", include_secrets=True)
    assert (store.account_name, store.protocol) == ("devstoreaccount1", "https")
    assert store.container_name.startswith("azureml-blobstore-")
    assert store.credentials.account_key.startswith("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1")  # Azurite's development key
    assert client.datastores.get_default().name == "workspaceblobstore"


def test_model_files_download_through_blob_service(azureml_sandbox, seeded, tmp_path):
    """The bot's way: version -> datastore + listSecrets -> BlobServiceClient on AZUREML_BLOB_ENDPOINT."""
    client = azureml_sandbox.ml_client()
    model = client.models.get("TinyYOLO", version="1")
    datastore_name, prefix = get_ds_name_and_path_prefix(model.path)
    store = client.datastores.get(datastore_name, include_secrets=True)
    container = azureml_sandbox.blob_service(store.account_name, store.credentials.account_key) \
        .get_container_client(store.container_name)
    downloaded = {}
    for blob in container.list_blobs(name_starts_with=prefix):
        downloaded[blob.name[len(prefix):].lstrip("/")] = hashlib.sha256(
            container.download_blob(blob.name).readall()).hexdigest()
    folder = seeded[("TinyYOLO", 1)].directory
    expected = {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file()}
    assert downloaded == expected and "model.onnx" in downloaded
    assert _calls(azureml_sandbox, 0, "blob")  # through the sandbox's blob origin (logged)


def test_token_lifetime_follows_the_sandbox_clock(azureml_sandbox):
    token = azureml_sandbox.credential().get_token(azureml_sandbox.arm_endpoint + ".default")
    now = datetime.fromisoformat(azureml_sandbox.control.info()["now"])
    assert 3000 < token.expires_on - now.timestamp() <= 3600
    assert datetime.fromtimestamp(token.expires_on, UTC) > datetime.now(UTC)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # azure-ai-ml's own use of azure-storage-blob
def test_the_sdks_own_download_works_where_blob_localhost_resolves(azureml_sandbox, seeded, tmp_path, monkeypatch):
    """azure-ai-ml's models.download builds https://devstoreaccount1.blob.core.localhost:<port>: with *.localhost on
    loopback (RFC 6761; faked here, this machine's resolver lacks it) and the CA trusted process-wide (that client
    takes no connection_verify), it reaches Azurite through the blob origin, production-style URL and all."""
    import socket

    resolve = socket.getaddrinfo

    def loopback_localhost(host, *args, **kwargs):
        return resolve("127.0.0.1" if str(host).endswith(".localhost") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_localhost)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", azureml_sandbox.ca_bundle)
    azureml_sandbox.ml_client().models.download("TinyResNet", "1", download_path=tmp_path)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    expected = seeded[("TinyResNet", 1)].directory / "model.onnx"
    assert [p.name for p in files] == ["model.onnx"] and files[0].read_bytes() == expected.read_bytes()
    hosts = {e["host"] for e in azureml_sandbox.control.requests(0) if e["origin"] == "blob"}
    assert any(h.startswith("devstoreaccount1.blob.core.localhost:") for h in hosts)
