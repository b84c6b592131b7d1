"""The buyer's new text: quotes, attributions and signatures cut in many languages."""

from __future__ import annotations

import pytest

from helpdesk.connectors.email_text import html_to_text, new_text

QUOTED_REPLIES = {
    "en": "Where is my parcel?\n\nOn Mon, 3 Mar 2025 at 10:00, Shop <s@shop.example> wrote:\n> Thanks for your order",
    "en-wrapped": "Where is my parcel?\n\nOn Mon, 3 Mar 2025 at 10:00, Shop Support <s@shop.example>\nwrote:\n> Thanks",
    "de": "Wo ist mein Paket?\n\nAm 03.03.2025 um 10:00 schrieb Shop <s@shop.example>:\n> Danke",
    "fr": "Où est mon colis ?\n\nLe lun. 3 mars 2025 à 10:00, Shop <s@shop.example> a écrit :\n> Merci",
    "es": "¿Dónde está mi paquete?\n\nEl lun, 3 mar 2025 a las 10:00, Shop (<s@shop.example>) escribió:\n> Gracias",
    "it": "Dov'è il mio pacco?\n\nIl giorno lun 3 mar 2025 alle 10:00 Shop <s@shop.example> ha scritto:\n> Grazie",
    "nl": "Waar is mijn pakket?\n\nOp ma 3 mrt 2025 om 10:00 schreef Shop <s@shop.example>:\n> Bedankt",
    "pt": "Onde está meu pacote?\n\nEm seg., 3 de mar. de 2025 às 10:00, Shop <s@shop.example> escreveu:\n> Obrigado",
    "pl": "Gdzie jest moja paczka?\n\nW dniu 3.03.2025 o 10:00, Shop <s@shop.example> napisał:\n> Dziękujemy",
    "ja": "荷物はどこですか？\n\n2025年3月3日(月) 10:00 Shop <s@shop.example>のメッセージ:\n> ありがとう",
    "zh": "我的包裹在哪里？\n\n在 2025年3月3日 10:00，Shop <s@shop.example> 写道：\n> 感谢您的订单",
    "outlook": "Wo ist mein Paket?\n\nVon: Shop <s@shop.example>\nGesendet: Montag, 3. März 2025\nAn: ich",
    "separator": "Where is my parcel?\n\n-----Original Message-----\nFrom: Shop\nThanks for your order",
}


@pytest.mark.parametrize("language", sorted(QUOTED_REPLIES))
def test_quoted_message_below_the_attribution_is_cut(language):
    text = QUOTED_REPLIES[language]
    assert new_text(text) == text.split("\n\n")[0]


def test_interleaved_quote_lines_are_dropped_and_answers_kept():
    text = "> Which size?\nM please\n> Which colour?\nBlue"
    assert new_text(text) == "M please\nBlue"


def test_signature_after_the_delimiter_is_cut():
    assert new_text("Merci beaucoup\n-- \nAmélie Dupré\n+33 6 12 34 56 78") == "Merci beaucoup"


def test_mobile_signature_is_cut():
    assert new_text("Danke!\n\nVon meinem iPhone gesendet") == "Danke!"


def test_text_written_below_the_quote_is_kept_whole():
    text = "On Mon, 3 Mar 2025, Shop <s@shop.example> wrote:\n> Which size?\n\nM please"
    assert new_text(text) == text


def test_a_line_starting_with_on_is_not_taken_for_an_attribution():
    text = "On Monday I ordered two mugs.\nOne arrived broken."
    assert new_text(text) == text


def test_amazon_relay_markers_keep_only_the_buyers_words():
    text = "Header\n------------- Message: -------------\n\nHello\n\n------------- End message -------------\nFooter"
    assert new_text(text) == "Hello"


def test_crlf_line_endings_are_normalised():
    assert new_text("Hallo\r\nWelt\r\n") == "Hallo\nWelt"


def test_html_text_keeps_blocks_as_lines_and_drops_scripts_and_styles():
    markup = "<style>p{}</style><p>Ciao&nbsp;a&nbsp;tutti</p><div>riga 2<br>riga 3</div><script>x()</script>"
    assert html_to_text(markup) == "Ciao a tutti\n\nriga 2\nriga 3"
