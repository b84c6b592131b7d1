"""How commands report expected failures: one line, exit status 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError

from helpdesk.config import ConfigError
from helpdesk.services import schema
from helpdesk.services.agents import AgentError

F = TypeVar("F", bound=Callable[..., Any])


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def cli_errors(fn: F) -> F:
    """Turn expected failures into one 'Error: ...' line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ConfigError, AgentError, schema.SchemaOutOfDate) as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            raise click.ClickException(f"cannot use the database: {_first_line(exc)}") from None

    return wrapper  # type: ignore[return-value]
