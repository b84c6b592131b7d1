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


# --- rooms, permissions, presence, typing and the event adapter ---------------------------

import pytest
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.events import MESSAGE_CREATED, TICKET_CREATED, TICKET_UPDATED, Event
from tests import factories
from tests.web_helpers import ticket_with_message


def _socket(app: Flask, client: FlaskClient, **kwargs):  # type: ignore[no-untyped-def]
    return socketio.test_client(app, flask_test_client=client, **kwargs)


def _received(sock, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def test_socket_from_a_foreign_origin_is_refused(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    sock = _socket(app, client, headers={"Origin": "https://evil.example"})
    assert not sock.is_connected()


def test_socket_from_the_same_origin_connects(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    sock = _socket(app, client, headers={"Origin": "http://localhost"})
    assert sock.is_connected()


def test_joining_a_forbidden_ticket_is_refused(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                               session: Session) -> None:
    other = factories.make_agent(session, email="other@example.com", name="Other")
    ticket = ticket_with_message(session, channel=factories.make_channel(session, settings={"agent_ids": [other.id]}))
    auth.login()
    sock = _socket(app, client)
    assert sock.emit("join_ticket", {"ticket_id": ticket.id}, callback=True) == {"ok": False, "error": "not found"}


def test_joining_an_unknown_ticket_is_refused(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    sock = _socket(app, client)
    assert sock.emit("join_ticket", {"ticket_id": 424242}, callback=True)["ok"] is False


@pytest.mark.parametrize("frame", [None, "x", 5, [], {"ticket_id": "1"}, {"ticket_id": -1}, {"ticket_id": True},
                                   {"ticket_id": 10**30}])
def test_malformed_join_frames_are_dropped(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent, frame) -> None:
    auth.login()
    sock = _socket(app, client)
    assert sock.emit("join_ticket", frame, callback=True)["ok"] is False
    assert sock.is_connected()


def test_malformed_typing_frame_keeps_the_socket_up(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    sock = _socket(app, client)
    sock.emit("typing", {"ticket_id": {"nested": [1, 2]}, "kind": 3})
    sock.emit("typing", "not a dict")
    assert sock.is_connected()


def _second_agent(app: Flask, session: Session):  # type: ignore[no-untyped-def]
    factories.make_agent(session, email="bo@example.com", name="Bo Second")
    client2 = app.test_client()
    AuthActions(client2).login(email="bo@example.com")
    return client2


def test_viewers_of_a_ticket_see_each_other(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                            session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    first = _socket(app, client)
    first.emit("join_ticket", {"ticket_id": ticket.id}, callback=True)
    first.get_received()
    second = _socket(app, _second_agent(app, session))
    answer = second.emit("join_ticket", {"ticket_id": ticket.id}, callback=True)
    assert sorted(v["name"] for v in answer["viewers"]) == ["Alex Agent", "Bo Second"]
    assert sorted(v["name"] for v in _received(first, "presence")[-1]["viewers"]) == ["Alex Agent", "Bo Second"]


def test_another_agent_replying_is_announced(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                             session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    first = _socket(app, client)
    first.emit("join_ticket", {"ticket_id": ticket.id}, callback=True)
    second = _socket(app, _second_agent(app, session))
    second.emit("join_ticket", {"ticket_id": ticket.id}, callback=True)
    first.get_received()
    second.emit("typing", {"ticket_id": ticket.id, "kind": "reply", "active": True})
    typing = _received(first, "typing")
    assert typing and typing[0]["agent"]["name"] == "Bo Second" and typing[0]["kind"] == "reply"


def test_typing_without_joining_is_ignored(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                           session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    first = _socket(app, client)
    first.emit("join_ticket", {"ticket_id": ticket.id}, callback=True)
    second = _socket(app, _second_agent(app, session))
    first.get_received()
    second.emit("typing", {"ticket_id": ticket.id, "kind": "reply", "active": True})
    assert _received(first, "typing") == []


def test_new_ticket_event_reaches_the_inbox_with_a_count_delta(app: Flask, client: FlaskClient, auth: AuthActions,
                                                               agent: Agent, session: Session) -> None:
    auth.login()
    sock = _socket(app, client)
    ticket = ticket_with_message(session)
    events.publish([Event(TICKET_CREATED, {"ticket_id": ticket.id})])
    update = _received(sock, "inbox.ticket")[0]
    assert update["row"]["id"] == ticket.id and update["delta"]["open"] == 1 and update["delta"]["unassigned"] == 1


def test_buyer_text_travels_as_plain_data(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                          session: Session) -> None:
    auth.login()
    sock = _socket(app, client)
    ticket = ticket_with_message(session, subject="<img src=x onerror=alert(1)>")
    events.publish([Event(TICKET_CREATED, {"ticket_id": ticket.id})])
    assert _received(sock, "inbox.ticket")[0]["row"]["subject"] == "<img src=x onerror=alert(1)>"


def test_update_of_an_unseen_ticket_asks_for_a_recount(app: Flask, client: FlaskClient, auth: AuthActions,
                                                       agent: Agent, session: Session) -> None:
    auth.login()
    sock = _socket(app, client)
    ticket = ticket_with_message(session)
    events.publish([Event(TICKET_UPDATED, {"ticket_id": ticket.id + 0})])
    assert _received(sock, "inbox.ticket")[0].get("recount") is True


def test_tickets_on_a_restricted_store_do_not_reach_other_agents(app: Flask, client: FlaskClient, auth: AuthActions,
                                                                 agent: Agent, session: Session) -> None:
    other = factories.make_agent(session, email="other@example.com", name="Other")
    ticket = ticket_with_message(session, channel=factories.make_channel(session, settings={"agent_ids": [other.id]}))
    auth.login()
    sock = _socket(app, client)
    events.publish([Event(TICKET_CREATED, {"ticket_id": ticket.id})])
    assert _received(sock, "inbox.ticket") == []


def test_new_message_reaches_the_tickets_viewers(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                                 session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    sock = _socket(app, client)
    sock.emit("join_ticket", {"ticket_id": ticket.id}, callback=True)
    message = factories.make_message(session, ticket, body_text="Noch eine Frage")
    events.publish([Event(MESSAGE_CREATED, {"message_id": message.id})])
    assert _received(sock, "message.created")[0]["message"]["body_text"] == "Noch eine Frage"


def test_assigning_in_the_browser_moves_the_mine_count(app: Flask, client: FlaskClient, auth: AuthActions, agent: Agent,
                                                       session: Session) -> None:
    from tests.web_helpers import page_token

    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client)  # renders the inbox: the adapter now knows the ticket's counts
    sock = _socket(app, client)
    client.post(f"/tickets/{ticket.id}/claim", data={"csrf_token": token})
    update = _received(sock, "inbox.ticket")[0]
    assert update["mine"] == [None, agent.id] and update["delta"] == {"unassigned": -1}
