"""Reply templates per language, rendered in Jinja2's sandbox with facts as variables only.

The buyer's message is never part of a template or a variable, so `{{7*7}}` typed by
a buyer can only ever come back literally. Dates and money are formatted for the
buyer's locale with Babel. A language without a template pack falls back to English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from bot.facts import CaseContext, Inquiry
from bot.normalise import order_reference
from bot.pack import replies_pack
from bot.rules import return_deadline

FALLBACK = "en"
# (language, marketplace suffix) -> Babel locale; otherwise the language's main locale.
_REGIONAL = {
    ("en", "uk"): "en_GB", ("en", "au"): "en_AU", ("en", "ca"): "en_CA", ("en", "in"): "en_IN", ("en", "ie"): "en_IE",
    ("en", "sg"): "en_SG", ("pt", "br"): "pt_BR", ("es", "mx"): "es_MX", ("es", "ar"): "es_AR", ("es", "cl"): "es_CL",
    ("es", "co"): "es_CO", ("es", "com"): "es_US", ("fr", "ca"): "fr_CA", ("fr", "be"): "fr_BE", ("nl", "be"): "nl_BE",
    ("de", "at"): "de_AT", ("de", "ch"): "de_CH", ("zh", "tw"): "zh_Hant_TW", ("zh", "hk"): "zh_Hant_HK",
    ("ar", "eg"): "ar_EG", ("ar", "ae"): "ar_AE",
}
_MAIN = {
    "en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT", "pt": "pt_PT", "nl": "nl_NL",
    "pl": "pl_PL", "sv": "sv_SE", "cs": "cs_CZ", "da": "da_DK", "ru": "ru_RU", "tr": "tr_TR", "ar": "ar_SA",
    "ja": "ja_JP", "zh": "zh_Hans_CN", "ko": "ko_KR", "id": "id_ID", "th": "th_TH", "vi": "vi_VN",
}


@dataclass(frozen=True)
class Rendered:
    """A rendered reply and the language it is really in."""

    text: str
    language: str
    fell_back: bool


def buyer_locale(language: str, marketplace: str = "", locale: str = "") -> str:
    """The Babel locale to format dates and money for this buyer."""
    if locale and locale.replace("-", "_").split("_")[0].lower() == language:
        try:
            return str(Locale.parse(locale.replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            pass
    suffix = marketplace.rsplit(".", 1)[-1].lower() if "." in marketplace else ""
    return _REGIONAL.get((language, suffix), _MAIN.get(language, "en_US"))


def format_day(day: date | None, locale: str) -> str:
    """A date as the buyer's locale writes it in full ("27. November 2026")."""
    return format_date(day, format="long", locale=locale) if day else ""


def format_money(amount: Decimal | None, currency: str, locale: str) -> str:
    """An amount as the buyer's locale writes it ("1.234,50 €")."""
    return format_currency(amount, currency, locale=locale) if amount is not None else ""


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    # Plain-text replies: no autoescape (the helpdesk escapes on display); StrictUndefined
    # so a template that names a fact we do not pass fails in tests, not in front of a buyer.
    return SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@cache
def _template(language: str, key: str):  # type: ignore[no-untyped-def]
    source = replies_pack(language).get(key)
    if source is None:
        return None
    if isinstance(source, dict):  # per-platform variants, e.g. return_steps
        return {k: _environment().from_string(v) for k, v in source.items()}
    return _environment().from_string(source)


def has_templates(language: str) -> bool:
    """True when the language has its own reply pack."""
    return bool(replies_pack(language))


def facts_for(inquiry: Inquiry, context: CaseContext, language: str) -> dict[str, Any]:
    """The variables a template may use: facts only, formatted for the buyer's locale."""
    loc = buyer_locale(language, inquiry.marketplace, inquiry.locale)
    order = context.order
    settings = context.settings
    facts: dict[str, Any] = {
        "platform": inquiry.platform, "buyer_name": inquiry.buyer_name, "store_name": settings.store_name,
        "signature": settings.signature, "order_id": "", "carrier": "", "tracking_number": "", "tracking_url": "",
        "eta": "", "dispatch_date": "", "shipped_date": "", "delivered_date": "", "return_deadline": "",
        "return_window_days": "", "total": "", "item": "", "in_stock": None,
    }
    if order is None:
        # The order is not known (yet): the number the buyer wrote is still the order they mean.
        facts["order_id"] = order_reference(inquiry.text) or order_reference(inquiry.subject)
    else:
        facts.update({
            "order_id": order.order_id, "carrier": order.carrier, "tracking_number": order.tracking_number,
            # Amazon forbids external links in buyer messages: the tracking link stays out.
            "tracking_url": "" if inquiry.platform == "amazon" else order.tracking_url,
            "eta": format_day(order.estimated_delivery, loc), "dispatch_date": format_day(order.dispatch_by, loc),
            "shipped_date": format_day(order.shipped_on, loc), "delivered_date": format_day(order.delivered_on, loc),
            "return_deadline": format_day(return_deadline(order), loc),
            "return_window_days": order.return_window_days or "",
            "total": format_money(order.total, order.currency, loc),
            "item": order.lines[0].title if order.lines else "",
        })
        if order.lines and order.lines[0].sku in context.stock:
            facts["in_stock"] = context.stock[order.lines[0].sku] > 0
    return facts


def render(outcome: str, language: str, facts: Mapping[str, Any]) -> Rendered:
    """Render greeting, the outcome's body and the sign-off in a language (English if it has none)."""
    lang = language if has_templates(language) else FALLBACK
    body = _template(lang, outcome) or _template(FALLBACK, outcome)
    if body is None:
        raise KeyError(f"no template for outcome {outcome!r}")
    variables = dict(facts)
    steps = _template(lang, "return_steps_by_platform")
    if steps:
        chosen = steps.get(variables.get("platform") or "", steps["default"])
        variables["return_steps"] = chosen.render(**variables).strip()
    parts = [_template(lang, "greeting").render(**variables).strip(), body.render(**variables).strip(),
             _template(lang, "signoff").render(**variables).strip()]
    return Rendered("\n\n".join(p for p in parts if p), lang, lang != language)


def prepare_all() -> None:
    """Compile every template and load every locale the replies can use."""
    from bot.pack import template_languages

    for lang in template_languages():
        for key in replies_pack(lang):
            _template(lang, key)
    for locale in sorted({*_MAIN.values(), *_REGIONAL.values()}):
        format_day(date(2026, 1, 31), locale)  # loads the locale's data and date patterns
        format_money(Decimal("1.50"), "EUR", locale)
