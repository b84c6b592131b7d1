"""Answering by SMTP (aiosmtpd) and threading the buyer's answer back by signed token."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from helpdesk.connectors import connector_for
from helpdesk.connectors.base import ChannelSettings, OutgoingReply, PermanentError, TransientError
from helpdesk.connectors.email import EmailConnector, Mailbox
from helpdesk.connectors.reply_token import make_reply_token
from helpdesk.simulator.mail import MailServer
from tests.fixtures.email.servers import PASSWORD, SECRET, PymapBox, credentials, sample

BUYER_REPLY_TO = {
    "address": "juergen.weiss@example.de",
    "message_id": "<de-plain-1@mail.example.de>",
    "subject": "Wo bleibt meine Bestellung?",
    "references": ["<root-1@shop.example>", "<earlier-1@shop.example>"],
}


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    with MailServer(smtp_auth=True) as server:
        yield server


@pytest.fixture
def box(mail_server: MailServer) -> PymapBox:
    return PymapBox(mail_server)


@pytest.fixture
def mailbox(box: PymapBox) -> Iterator[Mailbox]:
    mailbox = Mailbox(box.settings(), credentials())
    yield mailbox
    mailbox.close()


def reply(key: str = "outbox-1", **overrides: Any) -> OutgoingReply:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "body_text": "Guten Tag Herr Weiß,\nIhr Paket ist unterwegs: DHL 00340434161234567890.",
        "reply_to": BUYER_REPLY_TO,
        "ticket_token": "T-42",
    }
    return OutgoingReply(**{**fields, **overrides})


def text_of(message: EmailMessage) -> str:
    return str(message.get_content()).replace("\r\n", "\n")


def received(server: MailServer, index: int = -1) -> EmailMessage:
    parsed = message_from_bytes(server.received[index].raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def buyer_answer(in_reply_to: str, body: str, message_id: str = "<answer-1@mail.example.de>") -> bytes:
    answer = EmailMessage()
    answer["From"] = "Jürgen Weiß <juergen.weiss@example.de>"
    answer["To"] = "support@shop.example"
    answer["Subject"] = "Re: Wo bleibt meine Bestellung?"
    answer["Message-ID"] = message_id
    if in_reply_to:
        answer["In-Reply-To"] = in_reply_to
        answer["References"] = in_reply_to
    answer.set_content(body)
    return answer.as_bytes(policy=policy.SMTP)


def test_same_idempotency_key_sends_the_same_message_id(mailbox, mail_server):
    first = mailbox.send(reply("outbox-7"))
    second = mailbox.send(reply("outbox-7"))
    assert first.external_id == second.external_id
    assert [received(mail_server, i)["Message-ID"] for i in (0, 1)] == [first.external_id] * 2


def test_different_idempotency_keys_send_different_message_ids(mailbox):
    assert mailbox.send(reply("outbox-1")).external_id != mailbox.send(reply("outbox-2")).external_id


def test_reply_threads_to_the_buyer_message(mailbox, mail_server):
    mailbox.send(reply())
    sent = received(mail_server)
    assert mail_server.received[-1].rcpt_tos == ["juergen.weiss@example.de"]
    assert sent["To"] == "juergen.weiss@example.de"
    assert sent["From"] == "support@shop.example"
    assert sent["Subject"] == "Re: Wo bleibt meine Bestellung?"
    assert sent["In-Reply-To"] == "<de-plain-1@mail.example.de>"
    assert sent["References"].split() == [
        "<root-1@shop.example>", "<earlier-1@shop.example>", "<de-plain-1@mail.example.de>",
    ]  # fmt: skip
    assert text_of(sent).startswith("Guten Tag Herr Weiß,\nIhr Paket ist unterwegs")


def test_reply_prefix_is_not_repeated(mailbox, mail_server):
    mailbox.send(reply(reply_to={**BUYER_REPLY_TO, "subject": "AW: Lieferung"}))
    assert received(mail_server)["Subject"] == "AW: Lieferung"


def test_reply_carries_the_signed_token_in_message_id_and_footer(mailbox, mail_server):
    token = make_reply_token(SECRET, "T-42")
    mailbox.send(reply())
    sent = received(mail_server)
    assert sent["Message-ID"].startswith(f"<hd.{token}.")
    assert text_of(sent).rstrip().endswith(f"[ref: hd.{token}]")


def test_plus_address_reply_to_carries_the_token_when_enabled(box):
    token = make_reply_token(SECRET, "T-42")
    with_plus = Mailbox(box.settings(reply_plus_address=True), credentials())
    with_plus.send(reply())
    assert received(box.server)["Reply-To"] == f"support+hd.{token}@shop.example"


def test_buyer_answer_to_a_reply_carries_the_verified_ticket_reference(mailbox, box):
    sent = mailbox.send(reply())
    assert sent.external_id is not None
    box.deliver(buyer_answer(sent.external_id, "Danke, angekommen!"))
    [message] = mailbox.fetch({}).messages
    assert message.ticket_token == "T-42"
    assert message.in_reply_to == sent.external_id


def test_answer_through_a_relay_that_drops_headers_is_matched_by_the_quoted_footer(mailbox, box):
    mailbox.send(reply())
    quoted = "\n".join("> " + line for line in text_of(received(box.server)).splitlines())
    box.deliver(buyer_answer("", f"Danke!\n\nAm Montag schrieb Shop:\n{quoted}\n"))
    [message] = mailbox.fetch({}).messages
    assert message.ticket_token == "T-42"
    assert message.body_text == "Danke!"


def test_copy_of_our_own_reply_in_the_inbox_is_not_a_buyer_message(mailbox, box):
    mailbox.send(reply())
    box.deliver(box.server.received[-1].raw)
    page = mailbox.fetch({})
    assert (page.messages, page.failures) == ([], [])
    assert page.cursor["last_uid"] > 0


def test_forged_in_reply_to_does_not_attach_to_another_ticket(mailbox, box):
    genuine = make_reply_token(SECRET, "T-42")
    signature = genuine.split(".")[1]
    forged = f"<hd.T-43.{signature}.0000@shop.example>"  # someone else's ticket, T-42's signature
    box.deliver(buyer_answer(forged, "Ich bin jemand anderes."))
    [message] = mailbox.fetch({}).messages
    assert message.in_reply_to == forged
    assert message.ticket_token is None


def test_token_signed_with_another_secret_is_not_accepted(mailbox, box):
    other = make_reply_token("a-different-shop-secret", "T-42")
    box.deliver(buyer_answer(f"<hd.{other}.1@shop.example>", "Hallo"))
    assert mailbox.fetch({}).messages[0].ticket_token is None


def test_header_injection_in_the_reply_address_is_refused(mailbox, mail_server):
    hostile = {**BUYER_REPLY_TO, "address": "juergen.weiss@example.de\r\nBcc: everyone@example.net"}
    with pytest.raises(PermanentError, match="reply address"):
        mailbox.send(reply(reply_to=hostile))
    assert mail_server.received == []


def test_header_injection_in_the_subject_stays_inside_one_subject_line(mailbox, mail_server):
    hostile = {**BUYER_REPLY_TO, "subject": "Hallo\r\nBcc: everyone@example.net\r\n\r\nFake body"}
    mailbox.send(reply(reply_to=hostile))
    sent = received(mail_server)
    assert sent["Bcc"] is None
    assert sent["Subject"] == "Re: Hallo Bcc: everyone@example.net Fake body"
    assert mail_server.received[-1].rcpt_tos == ["juergen.weiss@example.de"]


def test_malformed_message_ids_are_left_out_of_threading_headers(mailbox, mail_server):
    hostile = {**BUYER_REPLY_TO, "message_id": "x\r\nBcc: everyone@example.net", "references": ["<ok@a>", "\r\n"]}
    mailbox.send(reply(reply_to=hostile))
    sent = received(mail_server)
    assert sent["In-Reply-To"] is None and sent["References"] is None and sent["Bcc"] is None


def test_smtp_temporary_failure_is_a_transient_error(mailbox, mail_server):
    mail_server.fail_next_data("451 4.3.0 Mail server temporarily rejected message")
    with pytest.raises(TransientError, match="451"):
        mailbox.send(reply())
    assert mail_server.received == []


def test_smtp_deferred_recipient_is_a_transient_error(mailbox, mail_server):
    mail_server.refuse_recipient("juergen.weiss@example.de", "450 4.2.1 Mailbox busy")
    with pytest.raises(TransientError, match="450"):
        mailbox.send(reply())


def test_smtp_refused_recipient_is_a_permanent_error(mailbox, mail_server):
    mail_server.refuse_recipient("juergen.weiss@example.de", "550 5.1.1 No such user")
    with pytest.raises(PermanentError, match="550"):
        mailbox.send(reply())


def test_smtp_authentication_failure_is_a_permanent_error(box, mail_server):
    wrong = Mailbox(box.settings(), {**credentials(), "smtp_password": PASSWORD + "-wrong"})
    with pytest.raises(PermanentError, match="535"):
        wrong.send(reply())
    assert mail_server.received == []


def test_smtp_logs_in_when_the_server_offers_auth(mailbox, mail_server):
    mailbox.send(reply())
    assert len(mail_server.received) == 1


def test_refused_smtp_connection_is_a_transient_error(box, mail_server):
    settings = box.settings(timeout=5)
    mail_server.stop()
    with pytest.raises(TransientError, match="SMTP connection failed"):
        Mailbox(settings, credentials()).send(reply())


def channel(box: PymapBox, **settings: Any) -> ChannelSettings:
    return ChannelSettings(platform="email", settings=box.settings(**settings), credentials=credentials())


def test_email_connector_is_registered_and_reads_through_its_mailbox(box):
    box.deliver(sample("amazon_relay_nl_order_in_body.eml"))
    with connector_for(channel(box, order_id_pattern=r"\b\d{3}-\d{7}-\d{7}\b")) as connector:
        assert isinstance(connector, EmailConnector)
        [message] = connector.fetch_messages({}).messages
    assert (message.buyer.kind, message.order_id) == ("email", "405-7654321-7654321")


def test_email_connector_answers_through_its_mailbox(box):
    with connector_for(channel(box)) as connector:
        result = connector.send_reply(reply())
    assert received(box.server)["Message-ID"] == result.external_id


def test_email_connector_has_no_orders_or_stock(box):
    with connector_for(channel(box)) as connector:
        orders, stock = connector.fetch_orders({"x": 1}), connector.fetch_stock({})
    assert (orders.orders, orders.cursor, orders.has_more) == ([], {"x": 1}, False)
    assert (stock.levels, stock.has_more) == ([], False)


def test_invalid_order_id_pattern_is_a_permanent_error(box):
    with pytest.raises(PermanentError, match="order_id_pattern"):
        EmailConnector(channel(box, order_id_pattern="(unclosed"))


def test_mailbox_repr_leaves_out_credentials(box):
    assert PASSWORD not in repr(Mailbox(box.settings(), credentials()))
