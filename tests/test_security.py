"""Deny by default, roles per view, and protective headers."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpdesk.models import Agent, Role
from helpdesk.web.security import required_role
from tests.conftest import AuthActions

PUBLIC_ENDPOINTS = {"auth.login", "auth.healthz", "static"}


def _concrete_urls(app: Flask) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        args = {name: "1" for name in rule.arguments}
        urls.append((rule.endpoint, rule.build(args)[1] if args else rule.rule))
    return urls


def test_every_route_but_sign_in_requires_an_agent(app: Flask, client: FlaskClient) -> None:
    checked = 0
    for endpoint, url in _concrete_urls(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        with app.test_request_context():
            assert required_role(endpoint) is not None, endpoint
        for method in ("GET", "POST"):
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 401, 405), (endpoint, method, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login")
        checked += 1
    assert checked >= 3


def test_only_the_expected_endpoints_are_public(app: Flask) -> None:
    with app.test_request_context():
        public = {rule.endpoint for rule in app.url_map.iter_rules() if required_role(rule.endpoint) is None}
    assert public == PUBLIC_ENDPOINTS


@pytest.mark.parametrize(("role", "status"), [(Role.AGENT, 403), (Role.SUPERVISOR, 403), (Role.ADMIN, 200)])
def test_admin_pages_need_the_admin_role(client: FlaskClient, auth: AuthActions, session, role: Role, status: int) -> None:
    from tests import factories

    factories.make_agent(session, email="someone@example.com", role=role)
    auth.login(email="someone@example.com")
    assert client.get("/admin/agents").status_code == status


def test_pages_carry_a_strict_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_http_only(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_health_check_reports_the_database(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
