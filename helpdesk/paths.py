"""Where the templates, static files and migrations are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the directory `name` (templates, static, migrations).

    A wheel carries them inside the package (``helpdesk/<name>``); a checkout
    or an editable install keeps them at the top of the source tree.
    """
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"helpdesk resource directory {name!r} not found next to {PACKAGE_DIR}")
