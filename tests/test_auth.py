"""Signing in and out through the web forms."""

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.models import Agent
from helpdesk.models.agent import new_session_token
from tests.conftest import AuthActions, csrf_token


def test_login_page_has_a_csrf_protected_form(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert csrf_token(page.get_data(as_text=True))


def test_agent_signs_in_and_lands_on_the_inbox(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    inbox = client.get("/")
    assert inbox.status_code == 200
    assert "No open tickets" in inbox.get_data(as_text=True)
    assert agent.name in inbox.get_data(as_text=True)


def test_wrong_password_shows_an_error_and_does_not_sign_in(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    response = auth.login(password="not-the-password-1")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_rejected(client: FlaskClient, agent: Agent) -> None:
    response = client.post("/login", data={"email": agent.email, "password": "correct-horse-battery-staple"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_repeated_failures_lock_the_account_with_429(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    for _ in range(5):
        assert auth.login(password="not-the-password-1").status_code == 401
    response = auth.login()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_sign_out_needs_a_post_with_csrf_token(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client: FlaskClient, agent: Agent) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    data = {"email": agent.email, "password": "correct-horse-battery-staple", "csrf_token": token}
    response = client.post("/login?next=//evil.example.com/phish", data=data)
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client: FlaskClient, admin: Agent) -> None:
    assert client.get("/admin/agents").headers["Location"].startswith("/login?next=/admin/agents")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    data = {"email": admin.email, "password": "correct-horse-battery-staple", "csrf_token": token}
    assert client.post("/login?next=/admin/agents", data=data).headers["Location"] == "/admin/agents"


def test_deactivating_an_agent_ends_their_session(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    auth.login()
    agent.active = False
    session.commit()
    assert client.get("/").status_code == 302


def test_rotating_the_session_token_signs_out_everywhere(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    auth.login()
    agent.session_token = new_session_token()
    session.commit()
    assert client.get("/").status_code == 302
