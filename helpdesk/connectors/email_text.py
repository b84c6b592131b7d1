"""Plain-text helpers for e-mail bodies: HTML to text, and the buyer's new text only.

Stripping is deliberately conservative: it cuts at markers mail clients write above a
quoted message (in the languages our buyers write), at quoted ``>`` lines and at a
signature delimiter. When a cut would leave nothing (a buyer who wrote below the
quote), the full text is kept: losing words a buyer wrote is worse than showing a quote.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# "On Mon, 3 Mar 2025 at 10:00, Shop <x@y> wrote:" and its translations. A client may
# wrap this line, so the pattern allows the verb to sit on the next line.
_ATTRIBUTION = re.compile(
    r"^\s*("
    r"On\s.{0,200}?\bwrote:"  # en
    r"|Am\s.{0,200}?\bschrieb.{0,80}?:"  # de
    r"|Le\s.{0,200}?\ba\s+écrit\s*:"  # fr
    r"|El\s.{0,200}?\bescribió\s*:"  # es
    r"|Il\s.{0,200}?\bha\s+scritto\s*:"  # it
    r"|Op\s.{0,200}?\bschreef.{0,80}?:"  # nl
    r"|Em\s.{0,200}?\bescreveu\s*:"  # pt
    r"|W\s+dniu\s.{0,200}?\bnapisał(a)?\s*:"  # pl
    r"|.{0,200}?のメッセージ\s*[:：]"  # ja (Gmail: "2025年3月3日(月) 10:00 Shop <x@y>:")
    r"|.{0,200}?写道\s*[:：]"  # zh
    r")\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SEPARATORS = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Messaggio originale|Oorspronkelijk bericht|Mensagem original|Wiadomość oryginalna"
    r"|Forwarded message|Weitergeleitete Nachricht)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
# Outlook's quoted header block: "From: ..." followed within two lines by "Sent:"/"Date:".
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De|Da|Van|Od|送信者|发件人)\s*\*?\s*[:：]", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Wysłano|送信日時|发送时间)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(Sent from my |Von meinem .* gesendet|Envoyé de mon |Enviado desde mi |Inviato da |"
    r"Verzonden vanaf mijn |Enviado do meu |Wysłane z |iPhoneから送信|发自我的)",
    re.IGNORECASE,
)
# Amazon's Buyer-Seller Messaging mail wraps the buyer's words in these markers
# [unverified: from public descriptions of the relay format, not a captured message].
_AMAZON_BLOCK = re.compile(
    r"-{5,}\s*(?:Message|Nachricht|Mensaje|Messaggio|Bericht|Mensagem|Wiadomość|メッセージ)\s*:\s*-{5,}"
    r"\s*\n(?P<body>.*?)\n\s*-{5,}\s*(?:End message|Ende der Nachricht|Fin du message|Fin del mensaje"
    r"|Fine messaggio|Einde bericht|Fim da mensagem|Koniec wiadomości|メッセージ終了)\s*-{5,}",
    re.IGNORECASE | re.DOTALL,
)


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML body, one line per block element."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"})
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The visible text of an HTML body (for display and search; the HTML is kept raw)."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def normalise_newlines(text: str) -> str:
    """CRLF and CR to LF, trailing whitespace on lines removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def amazon_relay_body(text: str) -> str | None:
    """The buyer's words inside an Amazon relay mail's message markers, if present."""
    match = _AMAZON_BLOCK.search(text)
    return match.group("body").strip() if match else None


def new_text(text: str) -> str:
    """The text the sender wrote in this message: quotes, attributions and signature cut."""
    text = normalise_newlines(text)
    relayed = amazon_relay_body(text)
    if relayed is not None:
        text = relayed
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        two = line + " " + (lines[i + 1] if i + 1 < len(lines) else "")
        if _SEPARATORS.match(line) or _SIGNATURE.match(line) or _MOBILE_SIGNATURE.match(line):
            break
        if _ATTRIBUTION.match(line) or (line.strip() and _ATTRIBUTION.match(two)):
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    result = "\n".join(kept).strip()
    return result or text.strip()
