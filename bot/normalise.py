"""Text normalisation shared by language detection and intent matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Order and tracking numbers carry no intent and would fuzzy-match digits in phrases,
# so they become fixed tokens before matching. Most specific patterns first.
_ID_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b\d{3}-\d{7}-\d{7}\b"), " ordernum "),  # Amazon
    (re.compile(r"\b\d{2}-\d{5}-\d{5}\b"), " ordernum "),  # eBay
    (re.compile(r"\b1Z[0-9A-Z]{16}\b", re.I), " trackingnum "),  # UPS
    (re.compile(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b"), " trackingnum "),  # UPU (postal)
    (re.compile(r"\b(?=[A-Z0-9]*\d[A-Z0-9]*[A-Z])(?=[A-Z0-9]*[A-Z][A-Z0-9]*\d)[A-Z0-9]{10,}\b"), " trackingnum "),
    (re.compile(r"#\s?\d{3,}"), " ordernum "),  # Shopify
    (re.compile(r"\d{6,}"), " ordernum "),  # AliExpress, Walmart, Shopee, bare numbers
)

# Letters that do not decompose under NFD but buyers often type without their mark.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th"})
# Arabic letter variants buyers use interchangeably.
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ـ": ""})
# "开一下invoice": split runs of CJK/Thai from Latin so English words stay words.
_SCRIPT_EDGE = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f])(?=[a-z0-9])|(?<=[a-z0-9])(?=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f])")
# English contractions become one word ("where's" -> "wheres", "isn't" -> "isnt"), as buyers
# who skip the apostrophe write them; French/Italian elisions ("l'adresse") stay two words.
_CONTRACTION = re.compile(r"(\w)['’](s|t|re|ll|ve|m|d)\b")
# Thai vowel and tone marks are not \w but belong to the word.
_PUNCT = re.compile(r"[^\w\s\u0E00-\u0E7F]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


_ORDER_REF = re.compile(r"\b\d{3}-\d{7}-\d{7}\b|\b\d{2}-\d{5}-\d{5}\b|#\s?\d{3,}|\b\d{8,20}\b")


def order_reference(text: str) -> str:
    """The first order number the buyer wrote ("" when none)."""
    found = _ORDER_REF.search(unicodedata.normalize("NFKC", text))
    return found.group(0).replace(" ", "") if found else ""


def mask_ids(text: str) -> str:
    """Replace order numbers and tracking numbers with fixed tokens."""
    for pattern, token in _ID_PATTERNS:
        text = pattern.sub(token, text)
    return text


def _strip_marks(text: str) -> str:
    # Only Latin, Greek, Cyrillic and Arabic (below U+0700) and Vietnamese's Latin block:
    # Thai tone marks, kana dakuten and Hangul jamo change the word and must survive.
    out = []
    for ch in text:
        if ord(ch) < 0x0700 or 0x1E00 <= ord(ch) <= 0x1EFF:
            for part in unicodedata.normalize("NFD", ch):
                if not unicodedata.combining(part):
                    out.append(part)
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Fold width, case, accents and punctuation; mask order and tracking numbers."""
    text = unicodedata.normalize("NFKC", text)
    text = mask_ids(text)
    text = text.casefold().translate(_FOLD).translate(_ARABIC)
    text = _CONTRACTION.sub(r"\1\2", text)
    text = _strip_marks(text)
    text = _PUNCT.sub(" ", text)
    text = _SCRIPT_EDGE.sub(" ", text)
    return _SPACE.sub(" ", text).strip()
