"""Password policy and hashing."""

import pytest

from helpdesk.services.passwords import WeakPassword, check_password_strength, hash_password, verify_password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "empty"),
        ("abc123", "too short"),
        ("password123", "too common"),
        ("aaaaaaaaaaaa", "too few different"),
        ("jana.nowak-2026!", "name or e-mail"),
        ("x" * 2000, "too long"),
    ],
)
def test_weak_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_password_strength(password, email="jana.nowak@example.com", name="Jana Nowak")


def test_a_long_varied_password_is_accepted() -> None:
    check_password_strength("violet-harbour-71-lantern", email="jana@example.com", name="Jana")


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password("violet-harbour-71-lantern")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "violet-harbour-71-lantern")
    assert not verify_password(hashed, "violet-harbour-71-lanterN")


def test_corrupt_hash_does_not_verify() -> None:
    assert not verify_password("not-a-hash", "anything")
