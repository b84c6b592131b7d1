"""The simulator's mail server: a real IMAP (pymap) and SMTP (aiosmtpd) endpoint."""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from helpdesk.simulator.mail import MailServer

USER, PASSWORD = "shop@sim.example", "sim-pass"


@pytest.fixture
def server() -> Iterator[MailServer]:
    with MailServer() as running:
        running.add_user(USER, PASSWORD)
        yield running


def raw_message(n: int) -> bytes:
    headers = f"From: buyer{n}@example.com\r\nSubject: Frage {n}\r\nMessage-ID: <m{n}@example.com>\r\n"
    return f"{headers}\r\nHallo {n}\r\n".encode()


def imap_uids(server: MailServer) -> list[int]:
    with imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10) as client:
        client.login(USER, PASSWORD)
        client.select("INBOX", readonly=True)
        _, data = client.uid("SEARCH", "ALL")
        return [int(uid) for uid in data[0].split()]


def test_ports_are_bound_when_start_returns():
    with MailServer() as running:
        for port in (running.imap_port, running.smtp_port):
            assert port > 0
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_delivered_bytes_are_fetched_over_imap_by_uid(server):
    uid = server.deliver(USER, raw_message(1))
    with imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10) as client:
        client.login(USER, PASSWORD)
        client.select("INBOX", readonly=True)
        typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    assert typ == "OK" and data[0][1] == raw_message(1)


def test_delivered_email_message_is_stored_as_bytes(server):
    message = EmailMessage()
    message["From"] = "Zoë <zoe@example.com>"
    message["Subject"] = "Größe?"
    message.set_content("Haben Sie Größe 38?")
    uid = server.deliver(USER, message)
    assert imap_uids(server) == [uid]


def test_select_reports_uidvalidity_and_uidnext(server):
    uid = server.deliver(USER, raw_message(1))
    with imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10) as client:
        client.login(USER, PASSWORD)
        client.select("INBOX", readonly=True)
        assert int(client.response("UIDVALIDITY")[1][0]) == server.uid_validity(USER)
        assert int(client.response("UIDNEXT")[1][0]) == uid + 1


def test_uid_store_sets_flags(server):
    uid = server.deliver(USER, raw_message(1))
    with imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10) as client:
        client.login(USER, PASSWORD)
        client.select("INBOX")
        client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
        _, data = client.uid("FETCH", str(uid), "(FLAGS)")
    assert b"\\Seen" in data[0]


def test_concurrent_deliveries_from_threads_each_get_a_distinct_uid(server):
    uids: list[int] = []
    lock = threading.Lock()

    def deliver(n: int) -> None:
        uid = server.deliver(USER, raw_message(n))
        with lock:
            uids.append(uid)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(uids)) == 20
    assert sorted(imap_uids(server)) == sorted(uids)


def test_wrong_password_is_refused_over_imap(server):
    with imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10) as client, pytest.raises(imaplib.IMAP4.error):
        client.login(USER, "wrong")


def test_recreated_inbox_is_empty_with_a_new_uidvalidity(server):
    server.deliver(USER, raw_message(1))
    before = server.uid_validity(USER)
    server.recreate_inbox(USER)
    assert server.uid_validity(USER) != before
    assert imap_uids(server) == []


def test_smtp_message_is_recorded_and_passed_to_on_received(server):
    calls: list[tuple[str, list[str], bytes]] = []
    server.on_received = lambda mail_from, rcpt_tos, raw: calls.append((mail_from, rcpt_tos, raw))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as client:
        client.sendmail("shop@sim.example", ["a1b2c3@marketplace.amazon.de"], raw_message(5))
    assert calls == [("shop@sim.example", ["a1b2c3@marketplace.amazon.de"], raw_message(5))]
    assert server.received[0].raw == raw_message(5)


def test_failing_on_received_callback_is_reported_to_the_sender_as_temporary(server):
    def broken(mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        raise RuntimeError("database down")

    server.on_received = broken
    with (
        smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("shop@sim.example", ["x@example.com"], raw_message(6))
    assert refused.value.smtp_code == 451


def test_refused_recipient_gets_the_configured_reply(server):
    server.refuse_recipient("Gone@Example.com", "550 5.1.1 No such user")
    with (
        smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("shop@sim.example", ["gone@example.com"], raw_message(7))
    assert refused.value.recipients["gone@example.com"][0] == 550
    assert server.received == []


def test_failed_data_applies_only_the_given_number_of_times(server):
    server.fail_next_data("451 4.3.0 Try later", times=1)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPDataError):
            client.sendmail("shop@sim.example", ["x@example.com"], raw_message(8))
        client.sendmail("shop@sim.example", ["x@example.com"], raw_message(8))
    assert len(server.received) == 1


def test_stop_closes_open_client_connections_and_frees_the_ports():
    running = MailServer().start()
    running.add_user(USER, PASSWORD)
    client = imaplib.IMAP4("127.0.0.1", running.imap_port, timeout=10)
    client.login(USER, PASSWORD)
    ports = (running.imap_port, running.smtp_port)
    running.stop()
    with pytest.raises(imaplib.IMAP4.abort):
        client.noop()
    client.shutdown()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)


def test_stop_twice_is_harmless():
    running = MailServer().start()
    running.stop()
    running.stop()
    assert running.received == []


def test_deliver_before_start_is_an_error():
    with pytest.raises(RuntimeError, match="not running"):
        MailServer().deliver(USER, raw_message(1))


def test_deliver_to_an_unknown_user_is_a_key_error(server):
    with pytest.raises(KeyError, match=re.escape("nobody@sim.example")):
        server.deliver("nobody@sim.example", raw_message(1))
