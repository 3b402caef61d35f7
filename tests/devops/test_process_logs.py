"""`python app.py` against the sandbox at LOG_LEVEL=DEBUG: real turns, real Azure DevOps calls (the SDK logs
request headers and bodies at DEBUG), and still no secret in any log line."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.harness.processes import free_port
from tests.harness.teams import TeamsClient

ROOT = Path(__file__).resolve().parents[2]
IMPORT_TOKEN = "ghp_importtoken0123456789abcdef"
STRAY = "Qz7strayS3cret"  # typed where no command expects a credential
STRAY_TEXTS = (f'team "https://alice:{STRAY}@github.com/x"', f"help https://bob:{STRAY}@example.com/y",
               f"onboard https://alice:{STRAY}@evil.example/x", f"repo import https://github.com/a/b?token={STRAY}",
               f"whoami Bearer {STRAY}{STRAY}", f"frobnicate https://h/x?access_token={STRAY}")



async def test_debug_logs_of_real_turns_hold_no_secret(tmp_path, connector, devops_sandbox):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "AZURE_DEVOPS_CACHE_DIR")}
    env.update(devops_sandbox.env, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true", PORT=str(port),
               LOG_LEVEL="DEBUG", SDK_LOG_LEVEL="DEBUG", STORE_URL=f"sqlite:///{tmp_path}/bot.db")
    log_file = tmp_path / "bot.log"
    with log_file.open("w") as log:
        process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    async with http.get("/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            teams = TeamsClient(http, connector, connector.url)
            for text in ("help", "repos", "connections", "whoami",
                         f"repo import https://alice:{IMPORT_TOKEN}@github.com/college-org/private-models",
                         *STRAY_TEXTS):
                status, _ = await teams.post(teams.activity("message", text=text))
                assert status == 201, text
    finally:
        process.terminate()
        process.wait(30)
    lines = log_file.read_text().splitlines()
    assert len(lines) > 20 and all(json.loads(line) for line in lines)  # structured, and there is something
    assert any('"level": "DEBUG"' in line and '"logger": "azure.devops' in line for line in lines)
    assert any('"level": "DEBUG"' in line and '"logger": "msrest' in line for line in lines)
    text = log_file.read_text()
    assert "Authorization" in text or "authorization" in text  # the SDK did log its requests
    assert devops_sandbox.pat not in text
    assert base64.b64encode(f":{devops_sandbox.pat}".encode()).decode()[:20] not in text  # nor as basic auth
    assert IMPORT_TOKEN not in text
    assert STRAY not in text  # nor what was typed where no command expects a credential
    assert len(connector.sent) >= 5 + len(STRAY_TEXTS)  # every turn was answered
    assert not [s.activity for s in connector.sent if STRAY in json.dumps(s.activity)]  # no card echoes it
