"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 1024
# A few of the passwords every attacker tries first; length rules out most others.
_COMMON = frozenset(
    {
        "password", "password1", "password12", "password123", "password1234", "passw0rd",
        "qwertyuiop", "1234567890", "0123456789", "12345678910", "1q2w3e4r5t", "qwerty123",
        "iloveyou12", "letmein123", "welcome123", "admin12345", "administrator", "helpdesk123",
        "changeme123", "abcdefghij", "abc1234567", "qwertzuiop", "azertyuiop",
    }
)


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why."""


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword unless the password is long, varied and not about the user."""
    if not password:
        raise WeakPassword("the password is empty")
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password is too short: use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password is too long: use at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in _COMMON:
        raise WeakPassword("the password is too common")
    if len(set(password)) < 5:
        raise WeakPassword("the password repeats too few different characters")
    local = email.split("@", 1)[0].lower()
    for word in (local, name.lower().replace(" ", "")):
        if len(word) >= 4 and word in lowered.replace(" ", ""):
            raise WeakPassword("the password must not contain your name or e-mail address")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if the password matches the hash; False for a wrong password or a corrupt hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# Verified against when the e-mail is unknown, so both cases take the same time.
DUMMY_HASH = hash_password("not-a-real-password-just-timing")
