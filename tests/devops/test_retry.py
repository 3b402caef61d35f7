"""The retry policy, pure: a fake clock whose sleep moves time, scripted failures, no network."""

from __future__ import annotations

import random

import pytest

from bot.services.retry import Failure, GaveUp, RetryPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def policy(clock: FakeClock, **kw) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, rng=random.Random(7), **kw)


class Script:
    """An attempt that fails with the given failures, then answers ``result``."""

    def __init__(self, *failures: Failure, result: object = "ok") -> None:
        self.failures = list(failures)
        self.result = result
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.result


def http(status: int, retry_after: float | None = None) -> Failure:
    return Failure(f"HTTP {status}", status=status, retry_after=retry_after)


async def test_transient_failures_are_retried_with_full_jitter_backoff():
    clock = FakeClock()
    attempt = Script(http(503), http(500), Failure("reset", kind="connection"))
    p = policy(clock, max_attempts=5, max_total_s=100, base_s=1.0, cap_s=3.0)
    assert await p.run(attempt, idempotent=True) == "ok"
    assert attempt.calls == 4
    assert len(clock.waits) == 3
    for n, wait in enumerate(clock.waits, start=1):
        assert 0 <= wait <= min(3.0, 1.0 * 2 ** (n - 1))


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_every_transient_status_is_retried(status):
    clock = FakeClock()
    attempt = Script(http(status))
    assert await policy(clock).run(attempt, idempotent=True) == "ok"
    assert attempt.calls == 2


async def test_timeouts_are_retried():
    clock = FakeClock()
    attempt = Script(Failure("slow", kind="timeout"))
    assert await policy(clock).run(attempt, idempotent=True) == "ok"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
async def test_answers_that_are_not_accidents_are_not_retried(status):
    clock = FakeClock()
    attempt = Script(http(status))
    with pytest.raises(Failure):
        await policy(clock).run(attempt, idempotent=True)
    assert attempt.calls == 1 and clock.waits == []


async def test_retry_after_is_honoured_exactly():
    clock = FakeClock()
    attempt = Script(http(429, retry_after=5), http(503, retry_after=2))
    await policy(clock, max_total_s=60).run(attempt, idempotent=True)
    assert clock.waits == [5, 2]


async def test_retry_after_beyond_the_budget_gives_up_without_waiting():
    clock = FakeClock()
    attempt = Script(http(429, retry_after=120))
    with pytest.raises(GaveUp) as caught:
        await policy(clock, max_total_s=30).run(attempt, idempotent=True)
    assert attempt.calls == 1 and clock.waits == []
    assert caught.value.last.retry_after == 120 and "retry-after" in caught.value.reason


async def test_attempts_are_bounded():
    clock = FakeClock()
    attempt = Script(*[http(503)] * 10)
    with pytest.raises(GaveUp) as caught:
        await policy(clock, max_attempts=3, max_total_s=1000).run(attempt, idempotent=True)
    assert attempt.calls == 3 and caught.value.attempts == 3 and len(clock.waits) == 2


async def test_total_time_is_bounded():
    clock = FakeClock()
    attempt = Script(*[http(503, retry_after=4)] * 10)
    with pytest.raises(GaveUp):
        await policy(clock, max_attempts=100, max_total_s=10).run(attempt, idempotent=True)
    assert sum(clock.waits) <= 10 and attempt.calls == 3  # waits 4 + 4, a third 4 would pass 10


async def test_a_create_without_a_check_is_never_repeated():
    clock = FakeClock()
    attempt = Script(http(503))
    with pytest.raises(GaveUp) as caught:
        await policy(clock).run(attempt, idempotent=False)
    assert attempt.calls == 1 and "never repeated" in caught.value.reason


async def test_a_create_that_took_effect_is_found_not_repeated():
    clock = FakeClock()
    attempt = Script(http(503), result="created")
    checks = []

    async def verify():
        checks.append(clock.now)
        return "found it"

    assert await policy(clock).run(attempt, idempotent=False, verify=verify) == "found it"
    assert attempt.calls == 1 and len(checks) == 1


async def test_a_create_that_did_not_take_effect_is_checked_then_repeated():
    clock = FakeClock()
    attempt = Script(http(429, retry_after=1), Failure("reset", kind="connection"), result="created")
    order = []

    async def verify():
        order.append(("verify", attempt.calls))
        return None

    assert await policy(clock).run(attempt, idempotent=False, verify=verify) == "created"
    assert order == [("verify", 1), ("verify", 2)] and attempt.calls == 3


async def test_when_retries_run_out_a_last_check_finds_a_create_that_took_effect():
    clock = FakeClock()
    attempt = Script(*[http(503)] * 5)
    results = iter([None, "there after all"])

    async def verify():
        return next(results)

    assert await policy(clock, max_attempts=2).run(attempt, idempotent=False, verify=verify) == "there after all"
    assert attempt.calls == 2


async def test_a_check_that_fails_itself_gives_up_unsure_and_never_repeats_the_create():
    clock = FakeClock()
    attempt = Script(*[http(503)] * 5)

    async def verify():
        raise http(503)

    with pytest.raises(GaveUp) as gave_up:
        await policy(clock).run(attempt, idempotent=False, verify=verify)
    assert gave_up.value.unsure and attempt.calls == 1


async def test_a_plain_give_up_is_not_unsure():
    clock = FakeClock()
    with pytest.raises(GaveUp) as gave_up:
        await policy(clock, max_attempts=2).run(Script(*[http(503)] * 5), idempotent=True)
    assert not gave_up.value.unsure


def test_entra_token_is_refreshed_before_it_expires():
    from bot.services.devops.client import AZURE_DEVOPS_SCOPE, EntraTokenAuthentication

    now = [0.0]
    issued = []

    class Credential:
        def get_token(self, scope):
            issued.append(scope)

            class Token:
                token = f"token-{len(issued)}"
                expires_on = now[0] + 3600

            return Token()

    auth = EntraTokenAuthentication(Credential(), clock=lambda: now[0])
    session = auth.signed_session()
    assert session.headers["Authorization"] == "Bearer token-1" and issued == [AZURE_DEVOPS_SCOPE]
    now[0] = 3000  # 10 minutes left: still good
    assert auth.signed_session().headers["Authorization"] == "Bearer token-1"
    now[0] = 3400  # under 5 minutes left: refreshed
    assert auth.signed_session().headers["Authorization"] == "Bearer token-2"


def test_settings_choose_pat_or_entra(monkeypatch):
    from msrest.authentication import BasicAuthentication

    from bot.services.devops.client import EntraTokenAuthentication, authentication_for
    from bot.settings import load_settings

    base = {"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": True, "AZURE_DEVOPS_ORG_URL": "https://dev.azure.com/x"}
    assert isinstance(authentication_for(load_settings(_env_file=None, AZURE_DEVOPS_PAT="p" * 52, **base)),
                      BasicAuthentication)
    entra = authentication_for(load_settings(_env_file=None, AZURE_TENANT_ID="t", AZURE_CLIENT_ID="c",
                                             AZURE_CLIENT_SECRET="s", **base))
    assert isinstance(entra, EntraTokenAuthentication)
    assert type(entra._credential).__name__ == "ClientSecretCredential"
    managed = authentication_for(load_settings(_env_file=None, **base))
    assert type(managed._credential).__name__ == "ChainedTokenCredential"
