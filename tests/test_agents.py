"""Creating agents and the sign-in service with its rate limit."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Agent, AuditEvent, LoginAttempt, Role, utcnow
from helpdesk.services.agents import AgentError, LoginLimits, authenticate, create_agent
from tests import factories

STRONG = "violet-harbour-71-lantern"
LIMITS = LoginLimits(per_account=3, per_address=5, window=timedelta(minutes=15))


def _agent_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Agent)) or 0


def test_create_agent_normalises_email_and_hashes_password(session: Session) -> None:
    agent = create_agent(session, email="  Li.Wei@Example.COM ", name="Li Wei", role="supervisor", password=STRONG)
    assert agent.email == "li.wei@example.com"
    assert agent.role is Role.SUPERVISOR
    assert agent.password_hash.startswith("$argon2id$") and STRONG not in agent.password_hash


def test_create_agent_records_an_audit_event(session: Session) -> None:
    agent = create_agent(session, email="li@example.com", name="Li", role="agent", password=STRONG)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "agent.created")).one()
    assert event.object_type == "agents" and event.object_id == str(agent.id)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "Agent@Example.com"}, "already exists"),
        ({"role": "boss"}, "unknown role"),
        ({"password": ""}, "empty"),
        ({"password": "short"}, "too short"),
        ({"email": "not-an-email"}, "invalid e-mail"),
        ({"name": "  "}, "name is empty"),
        ({"ui_language": "fr"}, "unknown UI language"),
    ],
)
def test_bad_agent_input_is_refused_and_stores_nothing(session: Session, agent: Agent, overrides: dict, message: str) -> None:
    values = {"email": "new@example.com", "name": "New Person", "role": "agent", "password": STRONG}
    values.update(overrides)
    with pytest.raises(AgentError, match=message):
        create_agent(session, **values)
    assert _agent_count(session) == 1


def test_correct_password_signs_in(session: Session, agent: Agent) -> None:
    result = authenticate(session, "AGENT@example.com", factories.PASSWORD, "10.0.0.1", LIMITS)
    assert result.ok and result.agent is not None and result.agent.id == agent.id
    assert result.agent.last_login_at is not None


def test_wrong_password_is_refused(session: Session, agent: Agent) -> None:
    assert not authenticate(session, agent.email, "wrong-password-123", "10.0.0.1", LIMITS).ok


def test_unknown_email_is_refused(session: Session) -> None:
    assert not authenticate(session, "nobody@example.com", factories.PASSWORD, "10.0.0.1", LIMITS).ok


def test_inactive_agent_cannot_sign_in(session: Session) -> None:
    factories.make_agent(session, active=False)
    assert not authenticate(session, "agent@example.com", factories.PASSWORD, "10.0.0.1", LIMITS).ok


def test_account_is_throttled_after_repeated_failures_even_with_the_right_password(session: Session, agent: Agent) -> None:
    for i in range(LIMITS.per_account):
        authenticate(session, agent.email, "wrong-password-123", f"10.0.0.{i}", LIMITS)
    result = authenticate(session, agent.email, factories.PASSWORD, "10.9.9.9", LIMITS)
    assert result.throttled and not result.ok
    assert 0 < result.retry_after <= LIMITS.window.total_seconds() + 1


def test_address_is_throttled_across_accounts(session: Session, agent: Agent) -> None:
    for i in range(LIMITS.per_address):
        authenticate(session, f"guess{i}@example.com", "wrong-password-123", "203.0.113.7", LIMITS)
    assert authenticate(session, agent.email, factories.PASSWORD, "203.0.113.7", LIMITS).throttled
    assert authenticate(session, agent.email, factories.PASSWORD, "198.51.100.1", LIMITS).ok


def test_throttle_lifts_when_the_window_has_passed(session: Session, agent: Agent) -> None:
    start = utcnow()
    for _ in range(LIMITS.per_account):
        authenticate(session, agent.email, "wrong-password-123", "10.0.0.1", LIMITS, now=start)
    later = start + LIMITS.window + timedelta(seconds=1)
    assert authenticate(session, agent.email, factories.PASSWORD, "10.0.0.1", LIMITS, now=later).ok


def test_success_resets_the_account_failure_count(session: Session, agent: Agent) -> None:
    for _ in range(LIMITS.per_account - 1):
        authenticate(session, agent.email, "wrong-password-123", "10.0.0.1", LIMITS)
    assert authenticate(session, agent.email, factories.PASSWORD, "10.0.0.1", LIMITS).ok
    authenticate(session, agent.email, "wrong-password-123", "10.0.0.1", LIMITS)
    assert authenticate(session, agent.email, factories.PASSWORD, "10.0.0.1", LIMITS).ok


def test_throttled_attempts_are_not_recorded(session: Session, agent: Agent) -> None:
    for _ in range(LIMITS.per_account + 3):
        authenticate(session, agent.email, "wrong-password-123", "10.0.0.1", LIMITS)
    failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False)))
    assert failures == LIMITS.per_account
