"""Creating agents and signing them in, with failed sign-ins rate-limited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.models import UI_LANGUAGES, Agent, LoginAttempt, Role, utcnow
from helpdesk.services.audit import record_event
from helpdesk.services.passwords import (
    DUMMY_HASH,
    WeakPassword,
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_password,
)

_EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")


class AgentError(ValueError):
    """An agent cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an e-mail address."""
    return email.strip().lower()


def parse_role(value: str | Role) -> Role:
    """Turn 'agent', 'supervisor' or 'admin' into a Role, or raise AgentError."""
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise AgentError(f"unknown role {str(value)!r}: choose one of {choices}") from None


def create_agent(
    session: Session,
    *,
    email: str,
    name: str,
    role: str | Role,
    password: str,
    ui_language: str = "en",
    actor: str = "cli",
) -> Agent:
    """Create an agent and commit; raise AgentError and store nothing if any input is bad."""
    email = normalise_email(email)
    name = name.strip()
    if not _EMAIL_RE.match(email) or len(email) > 320:
        raise AgentError(f"invalid e-mail address {email!r}")
    if not name:
        raise AgentError("the name is empty")
    if len(name) > 120:
        raise AgentError("the name is too long: at most 120 characters")
    parsed_role = parse_role(role)
    if ui_language not in UI_LANGUAGES:
        raise AgentError(f"unknown UI language {ui_language!r}: choose one of {', '.join(UI_LANGUAGES)}")
    try:
        check_password_strength(password, email=email, name=name)
    except WeakPassword as exc:
        raise AgentError(str(exc)) from None
    if session.scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise AgentError(f"an agent with e-mail {email} already exists")

    agent = Agent(email=email, name=name, role=parsed_role, password_hash=hash_password(password), ui_language=ui_language)
    session.add(agent)
    try:
        session.flush()
        record_event(session, "agent.created", actor=actor, obj=agent, data={"role": parsed_role.value})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AgentError(f"an agent with e-mail {email} already exists") from None
    return agent


@dataclass(frozen=True)
class LoginLimits:
    """How many failed sign-ins are allowed in a window, per account and per address."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a sign-in attempt."""

    agent: Agent | None
    throttled: bool = False
    retry_after: int = 0  # seconds, when throttled

    @property
    def ok(self) -> bool:
        """True when the agent is signed in."""
        return self.agent is not None


def _failures_since(session: Session, column: object, key: str, since: datetime) -> tuple[int, datetime | None]:
    """Failed attempts for a key after `since` and after the key's last success."""
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(column == key, LoginAttempt.success.is_(True), LoginAttempt.at >= since)
    )
    start = max(since, last_success) if last_success else since
    count, oldest = session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            column == key, LoginAttempt.success.is_(False), LoginAttempt.at > start
        )
    ).one()
    return count, oldest


def authenticate(
    session: Session, email: str, password: str, address: str, limits: LoginLimits, now: datetime | None = None
) -> LoginResult:
    """Check a sign-in; commit the attempt; refuse while the account or address is throttled."""
    now = now or utcnow()
    email = normalise_email(email)[:320]
    address = (address or "unknown")[:64]
    since = now - limits.window

    for column, key, limit in (
        (LoginAttempt.email, email, limits.per_account),
        (LoginAttempt.address, address, limits.per_address),
    ):
        count, oldest = _failures_since(session, column, key, since)
        if count >= limit:
            retry = int(((oldest or now) + limits.window - now).total_seconds()) + 1
            return LoginResult(agent=None, throttled=True, retry_after=max(retry, 1))

    agent = session.scalar(select(Agent).where(Agent.email == email))
    valid = verify_password(agent.password_hash if agent else DUMMY_HASH, password)
    ok = bool(agent and valid and agent.active)
    session.add(LoginAttempt(email=email, address=address, success=ok, at=now))
    if ok and agent is not None:
        agent.last_login_at = now
        if needs_rehash(agent.password_hash):
            agent.password_hash = hash_password(password)
        record_event(session, "agent.signed_in", agent=agent, obj=agent, address=address)
    session.commit()
    return LoginResult(agent=agent if ok else None)
