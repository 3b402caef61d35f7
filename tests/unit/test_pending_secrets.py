"""The two keepers of an import's credentials between the question and the Confirm click (bot/pending_secrets.py)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.pending_secrets import SEALED, PendingSecrets, SealedSecrets, check_keys, secret_keeper
from bot.settings import SettingsError, load_settings

URL = "https://college-bot:ghp_secret0000@github.com/college-org/private-models"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_in_memory_once_and_within_its_time():
    clock = Clock()
    keeper = PendingSecrets(ttl_s=600, clock=clock)
    ref = keeper.put(URL)
    assert "ghp_secret0000" not in ref and keeper.take(ref) == URL and keeper.take(ref) is None
    late = keeper.put(URL)
    clock.now += 601
    assert keeper.take(late) is None


def test_sealed_opens_on_any_instance_with_the_key_and_shows_nothing():
    ref = SealedSecrets([NEW]).put(URL)
    assert ref.startswith(SEALED) and "ghp_secret0000" not in ref and "college-bot" not in ref
    assert SealedSecrets([NEW]).take(ref) == URL  # another instance, the same key


def test_sealed_expires_and_refuses_what_it_did_not_seal():
    clock = Clock()
    ref = SealedSecrets([NEW], ttl_s=600, clock=clock).put(URL)
    clock.now += 599
    assert SealedSecrets([NEW], ttl_s=600, clock=clock).take(ref) == URL
    clock.now += 2
    assert SealedSecrets([NEW], ttl_s=600, clock=clock).take(ref) is None
    fresh = SealedSecrets([NEW]).put(URL)
    tampered = fresh[:-6] + ("A" if fresh[-6] != "A" else "B") + fresh[-5:]
    assert SealedSecrets([NEW]).take(tampered) is None
    assert SealedSecrets([NEW]).take(PendingSecrets().put(URL)) is None  # an in-memory reference
    assert SealedSecrets([OLD]).take(fresh) is None  # another deployment's key


def test_rotation_new_key_first_then_the_old_one_dropped():
    under_old = SealedSecrets([OLD]).put(URL)
    both = SealedSecrets([NEW, OLD])
    assert both.take(under_old) == URL  # sealed before the rotation, opened during it
    under_new = both.put(URL)
    assert SealedSecrets([NEW]).take(under_new) == URL
    assert SealedSecrets([NEW]).take(under_old) is None  # dropped: unreadable for good


def test_keys_are_checked_without_repeating_them():
    with pytest.raises(ValueError, match="key 2 is not a Fernet key") as caught:
        check_keys([NEW, "not-a-key-but-a-secret"])
    assert "not-a-key-but-a-secret" not in str(caught.value)
    with pytest.raises(SettingsError) as bad:
        load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                      PENDING_SECRETS_KEY=f"{NEW},hunter2")
    assert "PENDING_SECRETS_KEY" in str(bad.value) and "hunter2" not in str(bad.value)
    settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                             PENDING_SECRETS_KEY=f" {NEW} , {OLD} ")
    assert settings.pending_secrets_keys == [NEW, OLD]
    assert isinstance(secret_keeper(settings.pending_secrets_keys), SealedSecrets)
    assert isinstance(secret_keeper([]), PendingSecrets)


def test_the_keys_are_scrubbed_from_logs_like_every_secret():
    settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                             PENDING_SECRETS_KEY=f"{NEW},{OLD}")
    assert {f"{NEW},{OLD}", NEW, OLD} <= set(settings.secrets())
