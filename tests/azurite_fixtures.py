"""Azurite, Microsoft's Azure Storage emulator, for tests of the Blob store: one blob service per test session.

A conftest that needs it names the fixture (``azurite_blob = azurite_fixtures.azurite_blob``); pytest then starts
it once for the whole session, whichever folder asks first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest

CONNECTION_STRING = "UseDevelopmentStorage=true"  # Azurite's well-known account (devstoreaccount1) and key
ACCOUNT = "devstoreaccount1"


@pytest.fixture(scope="session")
def azurite_blob(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Azurite blob service for the session (loopback, free port, in memory): its http://127.0.0.1:PORT."""
    from sandbox.azureml.azurite import _LISTENING, AZURITE_BLOB, PRELOAD

    node = shutil.which("node")
    if node is None or not AZURITE_BLOB.exists():
        pytest.skip("Azurite is not installed (run `npm ci`)")
    workdir = tmp_path_factory.mktemp("azurite")
    process = subprocess.Popen(
        [node, "--require", str(PRELOAD), str(AZURITE_BLOB.resolve()), "--blobHost", "127.0.0.1", "--blobPort", "0",
         "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose"],
        cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    try:
        seen = []
        for line in process.stdout:  # it prints where it listens once it does
            seen.append(line.strip())
            if found := _LISTENING.search(line):
                break
        else:
            raise RuntimeError(f"Azurite exited before listening: {' | '.join(seen[-5:])}")
        threading.Thread(target=lambda: [None for _ in process.stdout], name="azurite-output", daemon=True).start()
        yield found.group(1)
    finally:
        process.stdin.close()  # exit_with_parent.cjs: it exits when its stdin closes
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
