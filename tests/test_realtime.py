"""Socket.IO: only signed-in agents may connect."""

from flask import Flask
from flask.testing import FlaskClient

from helpdesk.extensions import socketio
from helpdesk.models import Agent
from tests.conftest import AuthActions


def test_anonymous_socket_is_refused(app: Flask, client: FlaskClient) -> None:
    sock = socketio.test_client(app, flask_test_client=client)
    assert not sock.is_connected()


def test_signed_in_agent_connects(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    sock = socketio.test_client(app, flask_test_client=client)
    assert sock.is_connected()
    sock.disconnect()


def test_socket_is_refused_after_sign_out(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    auth.logout()
    sock = socketio.test_client(app, flask_test_client=client)
    assert not sock.is_connected()
