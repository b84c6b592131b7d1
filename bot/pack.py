"""Load the per-language data files under bot/packs/ (phrase banks and reply templates)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKS_DIR = Path(__file__).with_name("packs")


@lru_cache(maxsize=None)
def _load(lang: str, name: str) -> dict[str, Any]:
    path = PACKS_DIR / lang / f"{name}.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def intents_pack(lang: str) -> dict[str, Any]:
    """The phrase bank of one language ({} when the language has none)."""
    return _load(lang, "intents")


def replies_pack(lang: str) -> dict[str, Any]:
    """The reply templates of one language ({} when the language has none)."""
    return _load(lang, "replies")


@lru_cache(maxsize=1)
def pack_languages() -> tuple[str, ...]:
    """Languages that have a phrase bank."""
    return tuple(sorted(p.name for p in PACKS_DIR.iterdir() if (p / "intents.toml").is_file()))


@lru_cache(maxsize=1)
def template_languages() -> tuple[str, ...]:
    """Languages that have reply templates."""
    return tuple(sorted(p.name for p in PACKS_DIR.iterdir() if (p / "replies.toml").is_file()))
