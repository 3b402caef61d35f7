"""deploy/local/loopback-listen.cjs keeps the Agents Playground (and any Node server) on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from deploy.local import devstack, playground_config

LOOPBACK_HEX = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc/net/tcp shows them

LISTEN_FORMS = r"""
const net = require("net"), http = require("http"), dgram = require("dgram");
const servers = [
  net.createServer().listen(0),
  net.createServer().listen(0, "0.0.0.0"),
  net.createServer().listen(0, "::"),
  net.createServer().listen(0, 511, () => {}),
  http.createServer().listen({ port: 0 }),
  http.createServer().listen({ port: 0, host: "0.0.0.0" }, () => {}),
  net.createServer().listen(() => {}),
  net.createServer().listen(),
];
const udp = dgram.createSocket("udp4");
udp.bind(0, () => {
  setTimeout(() => {
    console.log(JSON.stringify([...servers.map((s) => s.address().address), udp.address().address]));
    process.exit(0);
  }, 200);
});
"""


def listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) on which `pid`'s network namespace listens on `port`."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_every_listen_form_is_forced_onto_loopback(private_network) -> None:
    result = subprocess.run(
        ["node", "--require", str(devstack.LOOPBACK_PRELOAD), "-e", LISTEN_FORMS],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert set(json.loads(result.stdout)) == {"127.0.0.1"}


def test_the_playground_listens_on_loopback_only(private_network, tmp_path: Path) -> None:
    config = playground_config.write_config(tmp_path / "alice.yml")
    port = devstack.free_port()
    playground = devstack.start_playground(tmp_path / "logs", config, bot_port=devstack.free_port(), port=port)
    try:
        addresses = listening_addresses(playground.process.pid, port)
    finally:
        playground.stop()
    assert addresses, f"nothing listens on {port}"
    assert addresses <= LOOPBACK_HEX, f"the Playground listens on {addresses} (hex), not only on loopback"


def test_playground_starts_with_telemetry_and_statsbeat_off(tmp_path: Path) -> None:
    argv = devstack.playground_argv(bot_port=3978, port=56150)
    assert "--disable-telemetry" in argv
    assert all("127.0.0.1" in value for value in argv if value.startswith("http"))
    env = devstack.playground_env(tmp_path / "config.yml", tmp_path / "playground.log")
    assert env["APPLICATION_INSIGHTS_NO_STATSBEAT"] == "true" and env["TEAMSAPPTESTER_BROWSER"] == "none"
    assert "loopback-listen.cjs" in env["NODE_OPTIONS"]
