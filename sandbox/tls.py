"""A certificate authority made at each start (trustme): HTTPS for the Azure ML origins, and a bundle clients trust.

azure-core refuses to send a bearer token over plain http, so Azure Resource Manager, Entra ID and the blob
store are served over HTTPS with a certificate for 127.0.0.1 / localhost from this CA. Its private key never
leaves memory; only the CA certificate is written, into ``ca-bundle.pem`` together with the public roots that
requests trusts (so the bundle can also stand in for ``REQUESTS_CA_BUNDLE`` without breaking other HTTPS).
"""

from __future__ import annotations

import ssl
from pathlib import Path

SERVER_NAMES = ("127.0.0.1", "localhost", "*.blob.core.localhost")


class LocalCA:
    """The CA of one sandbox process and the server certificate it issued."""

    def __init__(self, folder: Path) -> None:
        import trustme

        self._ca = trustme.CA(organization_name="College Bot sandbox", organization_unit_name="local CA")
        self._server = self._ca.issue_cert(*SERVER_NAMES)
        self.bundle = folder / "ca-bundle.pem"
        self.bundle.write_bytes(self._ca.cert_pem.bytes() + _public_roots())

    @property
    def ca_pem(self) -> bytes:
        return self._ca.cert_pem.bytes()

    def server_context(self) -> ssl.SSLContext:
        """TLS for a loopback server of the sandbox."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server.configure_cert(context)
        return context


def _public_roots() -> bytes:
    from requests import certs

    try:
        return b"\n" + Path(certs.where()).read_bytes()
    except OSError:
        return b""
