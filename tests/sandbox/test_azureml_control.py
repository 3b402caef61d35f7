"""The control API over the Azure ML origins (request log, faults, reset), loopback only, and Azurite's lifecycle."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sandbox.embedded import SandboxThread
from sandbox.models.catalog import SeededModelVersion


def _container(sandbox):
    """The datastore's container. Storage's default retry waits 15 s first; the bot should set its own policy."""
    from azure.storage.blob import LinearRetry

    store = sandbox.ml_client().datastores.get("workspaceblobstore", include_secrets=True)
    service = sandbox.blob_service(store.account_name, store.credentials.account_key,
                                   retry_policy=LinearRetry(backoff=0.1, random_jitter_range=0))
    return service.get_container_client(store.container_name)


def test_the_request_log_covers_arm_entra_and_blob(azureml_sandbox):
    since = azureml_sandbox.control.last_seq()
    container = _container(azureml_sandbox)
    assert any(b.name.endswith("tinyresnet-v1/model.onnx") for b in container.list_blobs())
    entries = azureml_sandbox.control.requests(since)
    assert {e["origin"] for e in entries} == {"entra", "arm", "blob"}
    token = next(e for e in entries if e["origin"] == "entra" and e["method"] == "POST")
    assert token["path"].endswith("/oauth2/v2.0/token") and token["status"] == 200
    assert all(e["host"].startswith("127.0.0.1:") for e in entries)


def test_a_blob_fault_reaches_azure_storage_blob_which_retries(azureml_sandbox):
    container = _container(azureml_sandbox)
    name = next(b.name for b in container.list_blobs() if b.name.endswith("tinyresnet-v1/model.onnx"))
    azureml_sandbox.control.add_fault(path_regex="tinyresnet-v1/model.onnx$", method="GET", status=503, count=1)
    since = azureml_sandbox.control.last_seq()
    assert len(container.download_blob(name).readall()) > 0
    assert [e["status"] for e in azureml_sandbox.control.requests(since)] == [503, 206]


def test_a_dropped_entra_call_is_retried_by_azure_identity(azureml_sandbox):
    azureml_sandbox.control.add_fault(path_regex="/oauth2/v2.0/token$", drop=True, count=1)
    since = azureml_sandbox.control.last_seq()
    assert azureml_sandbox.credential().get_token(azureml_sandbox.arm_endpoint + ".default").token
    tokens = [e["status"] for e in azureml_sandbox.control.requests(since) if e["path"].endswith("/token")]
    assert tokens == [0, 200]


def test_reset_restores_the_blob_store_and_is_cheap_when_unchanged(azureml_sandbox):
    container = _container(azureml_sandbox)
    victim = next(b.name for b in container.list_blobs() if b.name.endswith("tinyresnet-v1/model.onnx"))
    original = container.download_blob(victim).readall()
    container.upload_blob(victim, b"tampered", overwrite=True)
    container.upload_blob("LocalUpload/extra/file.bin", b"left behind by a test")
    restored = azureml_sandbox.control._call("POST", "reset", {})["blobs_restored"]
    assert restored == {"uploaded": 1, "deleted": 1}
    assert container.download_blob(victim).readall() == original
    assert azureml_sandbox.control._call("POST", "reset", {})["blobs_restored"] == {"uploaded": 0, "deleted": 0}


def _listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets ``pid`` listens on (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(fields[1].split(":")[0])
    return found


def test_everything_listens_on_127_0_0_1_only(azureml_sandbox):
    info = azureml_sandbox.control.info()
    assert all(url.split("://")[1].startswith("127.0.0.1:") for url in info["origins"].values())
    assert set(info["origins"]) >= {"main", "arm", "entra", "blob"}
    loopback = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it
    assert _listening_addresses(info["azureml"]["azurite_pid"]) == {loopback}
    assert _listening_addresses(os.getpid()) <= {loopback}  # this process holds the session's sandbox


def _tiny_models(tmp_path: Path):
    folder = tmp_path / "Tiny" / "1"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"not really onnx")
    return lambda: [SeededModelVersion("Tiny", 1, folder, {}, "a tiny stand-in", "Erin Engineer", 1.0)]


def gone(pid: int, within_s: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (waiting for it up to ``within_s``)."""
    for _ in range(int(within_s / 0.05)):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # our own child: reap it if it is a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_stopping_the_sandbox_stops_azurite(tmp_path):
    runner = SandboxThread(models=_tiny_models(tmp_path))
    runner.start()
    state = runner.wait_ready(60)
    assert state["blob_store"] == "ready", state
    folder = runner.sandbox.folder
    runner.stop()
    assert gone(state["azurite_pid"])
    assert not folder.exists()  # CA bundle and config.json removed


def test_without_azurite_arm_still_answers_and_blob_calls_say_why(tmp_path, monkeypatch):
    import requests

    from sandbox.azureml import azurite

    monkeypatch.setattr(azurite, "AZURITE_BLOB", tmp_path / "no-azurite")
    runner = SandboxThread(models=_tiny_models(tmp_path))
    sandbox = runner.start()
    try:
        state = runner.wait_ready(30)
        assert state["models"] == "ready" and "npm ci" in state["blob_store"], state
        env = sandbox.env()
        answer = requests.get(f"{env['AZUREML_BLOB_ENDPOINT']}/any?comp=list", verify=env["AZURE_CA_BUNDLE"],
                              timeout=10)
        assert answer.status_code == 500 and "npm ci" in answer.text
        assert answer.headers["x-ms-error-code"] == "InternalError"
    finally:
        runner.stop()


def test_models_that_cannot_be_loaded_make_arm_answer_500(tmp_path):
    import requests

    def broken():
        raise OSError("disk on fire")

    runner = SandboxThread(models=broken)
    sandbox = runner.start()
    try:
        state = runner.wait_ready(30)
        assert "disk on fire" in state["models"] and state["azurite_pid"] is None, state
        env = sandbox.env()
        answer = requests.get(env["AZUREML_ARM_ENDPOINT"], verify=env["AZURE_CA_BUNDLE"], timeout=10)
        assert answer.status_code == 500 and "disk on fire" in answer.json()["error"]["message"]
    finally:
        runner.stop()
