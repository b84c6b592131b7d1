"""Reading buyer mail over IMAP: every test runs against pymap and against dovecot."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from helpdesk.connectors.base import PermanentError, TransientError
from helpdesk.connectors.email import Mailbox
from helpdesk.simulator.mail import MailServer
from tests.fixtures.email.servers import (
    DOVECOT,
    PASSWORD,
    USER,
    DovecotBox,
    DovecotServer,
    PymapBox,
    credentials,
    sample,
)

AMAZON_ORDER = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
MakeMailbox = Callable[..., Mailbox]


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


NO_DOVECOT = "dovecot is not installed (apt-get install dovecot-imapd); pymap variants still run"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[DovecotServer]:
    # Not under pytest's 0700 tmp tree: dovecot's mail processes run as another user.
    with tempfile.TemporaryDirectory(prefix="helpdesk-dovecot-") as root:
        server = DovecotServer(Path(root)).start()
        yield server
        server.stop()


@pytest.fixture(params=["pymap", pytest.param("dovecot", marks=pytest.mark.skipif(DOVECOT is None, reason=NO_DOVECOT))])
def box(request: pytest.FixtureRequest, mail_server: MailServer) -> PymapBox | DovecotBox:
    if request.param == "pymap":
        return PymapBox(mail_server)
    return DovecotBox(request.getfixturevalue("dovecot"), mail_server)


@pytest.fixture
def make_mailbox(box: PymapBox | DovecotBox) -> Iterator[MakeMailbox]:
    opened: list[Mailbox] = []

    def make(identity_kind: str = "email", order_id_pattern: re.Pattern[str] | None = None, **settings: Any) -> Mailbox:
        mailbox = Mailbox(
            box.settings(**settings), credentials(), identity_kind=identity_kind, order_id_pattern=order_id_pattern
        )
        opened.append(mailbox)
        return mailbox

    yield make
    for mailbox in opened:
        mailbox.close()


def only_message(make_mailbox: MakeMailbox, box: PymapBox | DovecotBox, name: str, **kwargs: Any) -> Any:
    box.deliver(sample(name))
    page = make_mailbox(**kwargs).fetch({})
    assert page.failures == []
    assert len(page.messages) == 1
    return page.messages[0]


def test_plain_message_has_buyer_subject_date_and_threading_headers(make_mailbox, box):
    message = only_message(make_mailbox, box, "plain_de_quoted_printable.eml")
    assert (message.buyer.kind, message.buyer.value) == ("email", "juergen.weiss@example.de")
    assert message.buyer.display_name == "Jürgen Weiß"
    assert message.subject == "Wo bleibt meine Bestellung?"
    assert message.external_id == "<de-plain-1@mail.example.de>"
    assert message.in_reply_to == "<earlier-1@shop.example>"
    assert message.references == ("<root-1@shop.example>", "<earlier-1@shop.example>")
    assert message.sent_at == datetime(2025, 3, 3, 8, 15, tzinfo=UTC)
    assert message.reply_to == {
        "address": "juergen.weiss@example.de",
        "message_id": "<de-plain-1@mail.example.de>",
        "subject": "Wo bleibt meine Bestellung?",
        "references": ["<root-1@shop.example>", "<earlier-1@shop.example>"],
    }


def test_quoted_reply_and_signature_are_cut_from_body_text(make_mailbox, box):
    message = only_message(make_mailbox, box, "plain_de_quoted_printable.eml")
    assert message.body_text.startswith("Guten Tag,\n\nich habe vor zwei Wochen bestellt")
    assert message.body_text.endswith("Mit freundlichen Grüßen\nJürgen Weiß")
    assert "Vielen Dank für Ihre Bestellung" not in message.body_text
    assert "Gärtnerstraße" not in message.body_text


def test_multipart_alternative_prefers_plain_text_and_keeps_html_raw(make_mailbox, box):
    message = only_message(make_mailbox, box, "multipart_fr_base64.eml")
    assert message.subject == "Colis endommagé à la livraison"
    assert message.body_text == (
        "Bonjour,\n\nle colis est arrivé abîmé et la tasse est cassée. Que dois-je faire ?\n\nCordialement,\nAmélie"
    )
    assert message.body_html is not None and "<b>abîmé</b>" in message.body_html


def test_html_only_message_gets_visible_text_and_raw_html(make_mailbox, box):
    message = only_message(make_mailbox, box, "html_only_es.eml")
    assert "¿tienen la camiseta en talla M y color azul?" in message.body_text
    assert "Gracias & saludos," in message.body_text
    assert "alert" not in message.body_text and "color:red" not in message.body_text
    assert message.body_html is not None and "<script>alert('x')</script>" in message.body_html


def test_iso_2022_jp_message_is_decoded(make_mailbox, box):
    message = only_message(make_mailbox, box, "iso2022jp_ja.eml")
    assert message.subject == "配送について"
    assert message.buyer.display_name == "山田太郎"
    assert "注文した商品がまだ届いていません。" in message.body_text


def test_gb18030_base64_message_is_decoded(make_mailbox, box):
    message = only_message(make_mailbox, box, "gb18030_zh.eml")
    assert message.subject == "物流没有更新"
    assert "物流信息一直没有更新" in message.body_text


def test_iso_8859_2_quoted_printable_message_is_decoded(make_mailbox, box):
    message = only_message(make_mailbox, box, "latin2_pl.eml")
    assert message.subject == "Zwrot butów"
    assert message.buyer.display_name == "Łukasz Żółć"
    assert "czy mogę zwrócić buty? Są za małe." in message.body_text


def test_attachments_are_described_by_name_type_and_size(make_mailbox, box):
    message = only_message(make_mailbox, box, "attachments_it.eml")
    described = [(a.name, a.content_type, a.size) for a in message.attachments]
    assert described == [("ricevuta.pdf", "application/pdf", 1024), ("difetto foto.jpg", "image/jpeg", 2048)]
    assert message.body_text.startswith("Buongiorno,\nallego la foto")


def test_amazon_relay_message_has_alias_buyer_and_order_id_from_subject(make_mailbox, box):
    message = only_message(
        make_mailbox, box, "amazon_relay_en_order_in_subject.eml",
        identity_kind="amazon_relay", order_id_pattern=AMAZON_ORDER,
    )  # fmt: skip
    assert (message.buyer.kind, message.buyer.value) == ("amazon_relay", "k8q2mzx4p1vnw7r@marketplace.amazon.com")
    assert message.order_id == "113-4567890-1234567"
    assert message.reply_to["address"] == "k8q2mzx4p1vnw7r@marketplace.amazon.com"
    assert message.body_text == (
        "Hi, the charger I received does not fit my laptop. Can I exchange it for the 65W model?\n\nThanks,\nSarah"
    )


def test_amazon_relay_order_id_is_found_in_the_body(make_mailbox, box):
    message = only_message(
        make_mailbox, box, "amazon_relay_nl_order_in_body.eml",
        identity_kind="amazon_relay", order_id_pattern=AMAZON_ORDER,
    )  # fmt: skip
    assert message.order_id == "405-7654321-7654321"
    assert message.body_text.startswith("Goedemiddag, wanneer wordt mijn bestelling geleverd?")


def test_shopify_contact_form_buyer_is_the_reply_to_address(make_mailbox, box):
    message = only_message(make_mailbox, box, "shopify_contact_pt.eml", buyer_from_reply_to=True)
    assert (message.buyer.value, message.buyer.display_name) == ("ana.souza@example.com.br", "Ana Souza")
    assert message.reply_to["address"] == "ana.souza@example.com.br"
    assert "O pedido #1042 pode ser entregue" in message.body_text


def test_a_date_header_in_the_future_gives_way_to_the_arrival_time(make_mailbox, box):
    future = sample("latin2_pl.eml").replace(b"Sat, 08 Mar 2025 14:45:00 +0100", b"Fri, 01 Jan 2100 00:00:00 +0000")
    box.deliver(future)
    [message] = make_mailbox().fetch({}).messages
    assert message.sent_at.year < 2100 and message.sent_at.tzinfo == UTC


def test_message_without_message_id_gets_the_same_hash_id_on_every_read(make_mailbox, box):
    box.deliver(sample("no_message_id_en.eml"))
    first = make_mailbox().fetch({}).messages[0]
    again = make_mailbox().fetch({}).messages[0]
    assert first.external_id.startswith("sha256:")
    assert first.external_id == again.external_id
    assert first.reply_to["message_id"] is None


def test_pages_are_bounded_and_the_cursor_resumes_without_gaps(make_mailbox, box):
    names = ["plain_de_quoted_printable.eml", "multipart_fr_base64.eml", "html_only_es.eml",
             "iso2022jp_ja.eml", "latin2_pl.eml"]  # fmt: skip
    for name in names:
        box.deliver(sample(name))
    mailbox = make_mailbox(page_size=2)
    cursor: dict[str, Any] = {}
    seen, more = [], []
    for _ in range(3):
        page = mailbox.fetch(cursor)
        assert len(page.messages) <= 2
        seen += [m.external_id for m in page.messages]
        more.append(page.has_more)
        cursor = page.cursor
    assert more == [True, True, False]
    assert len(seen) == len(set(seen)) == 5
    assert mailbox.fetch(cursor).messages == []


def test_mail_arriving_after_the_cursor_is_fetched_on_the_next_poll(make_mailbox, box):
    box.deliver(sample("latin2_pl.eml"))
    mailbox = make_mailbox()
    cursor = mailbox.fetch({}).cursor
    box.deliver(sample("gb18030_zh.eml"))
    page = mailbox.fetch(cursor)
    assert [m.external_id for m in page.messages] == ["<zh-gb18030-1@mail.example.cn>"]
    assert page.cursor["last_uid"] > cursor["last_uid"]


def test_uidvalidity_change_restarts_from_the_first_message(make_mailbox, box):
    for name in ("latin2_pl.eml", "gb18030_zh.eml", "iso2022jp_ja.eml"):
        box.deliver(sample(name))
    mailbox = make_mailbox()
    old = mailbox.fetch({}).cursor
    box.recreate()
    box.deliver(sample("html_only_es.eml"))
    page = mailbox.fetch(old)
    assert [m.external_id for m in page.messages] == ["<es-html-1@mail.example.es>"]
    assert page.cursor["uidvalidity"] != old["uidvalidity"]


def test_message_without_from_is_quarantined_and_the_rest_of_the_page_goes_on(make_mailbox, box):
    for name in ("latin2_pl.eml", "malformed_no_from.eml", "gb18030_zh.eml"):
        box.deliver(sample(name))
    page = make_mailbox().fetch({})
    assert [m.external_id for m in page.messages] == ["<pl-latin2-1@mail.example.pl>", "<zh-gb18030-1@mail.example.cn>"]
    [failure] = page.failures
    assert failure.error == "no usable From address"
    assert failure.external_id == "<broken-1@nowhere.example>"
    assert "this message has no sender" in failure.raw


def test_message_in_an_unknown_charset_is_quarantined_with_its_raw_text(make_mailbox, box):
    box.deliver(sample("malformed_unknown_charset.eml"))
    page = make_mailbox().fetch({})
    assert page.messages == []
    [failure] = page.failures
    assert "unknown charset 'x-klingon'" in failure.error
    assert isinstance(failure.raw, str) and "qapla'" in failure.raw
    assert page.cursor["last_uid"] > 0


def test_message_with_broken_base64_is_quarantined(make_mailbox, box):
    box.deliver(sample("malformed_broken_base64.eml"))
    page = make_mailbox().fetch({})
    assert page.messages == []
    [failure] = page.failures
    assert failure.error.startswith("undecodable body: ")
    assert failure.external_id == "<broken-3@example.it>"


def test_a_stray_byte_outside_the_charset_is_tolerated(make_mailbox, box):
    message = only_message(make_mailbox, box, "stray_byte_fr.eml")
    assert message.body_text == "Bonjour, la taille 40 est-elle disponible ? Merci \ufffdnormément."


def test_wrong_imap_password_is_a_permanent_error(box):
    mailbox = Mailbox(box.settings(), {"username": USER, "password": PASSWORD + "-wrong"})
    with pytest.raises(PermanentError, match="authentication failed"):
        mailbox.fetch({})
    mailbox.close()


def test_missing_folder_is_a_permanent_error(make_mailbox):
    with pytest.raises(PermanentError, match="cannot be selected"):
        make_mailbox(imap_folder="NoSuchFolder").fetch({})


def test_unencrypted_imap_login_beyond_this_machine_is_refused():
    mailbox = Mailbox({"imap_host": "192.0.2.10", "imap_port": 143}, credentials())
    with pytest.raises(PermanentError, match="unencrypted"):
        mailbox.fetch({})


def test_refused_imap_connection_is_a_transient_error(mail_server):
    port = mail_server.imap_port
    mail_server.stop()
    mailbox = Mailbox({"imap_host": "127.0.0.1", "imap_port": port, "timeout": 5}, credentials())
    with pytest.raises(TransientError, match="IMAP connection failed"):
        mailbox.fetch({})


def test_server_gone_under_a_kept_connection_is_a_transient_error(mail_server):
    box = PymapBox(mail_server)
    box.deliver(sample("latin2_pl.eml"))
    mailbox = Mailbox(box.settings(timeout=5), credentials())
    cursor = mailbox.fetch({}).cursor
    mail_server.stop()
    with pytest.raises(TransientError):
        mailbox.fetch(cursor)
    mailbox.close()
