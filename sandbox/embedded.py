"""Run a sandbox on a background thread with its own event loop (for tests and demos)."""

from __future__ import annotations

import asyncio
import threading

from .server import Sandbox


class SandboxThread:
    """``with SandboxThread() as sandbox: ...`` -- starts on free ports, stops cleanly on exit."""

    def __init__(self, *, port: int = 0, pat: str | None = None, **options) -> None:
        self.sandbox = Sandbox(port=port, pat=pat, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="devops-sandbox", daemon=True)

    def start(self, timeout: float = 10.0) -> Sandbox:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.sandbox.start(), self._loop).result(timeout)
        return self.sandbox

    def wait_ready(self, timeout: float = 300.0) -> dict:
        """Waits until Azure ML's models are registered and its blob store is filled; how each stands."""
        return asyncio.run_coroutine_threadsafe(self.sandbox.azureml.ready(timeout), self._loop).result(timeout + 5)

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the sandbox and its loop. Calls still held by a ``delay_ms`` fault are cancelled (their
        clients see the connection closed), so this returns promptly whatever faults are in flight."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.sandbox.stop(), self._loop).result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
