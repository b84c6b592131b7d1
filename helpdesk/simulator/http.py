"""Helpers the platform route modules share: the simulation of the app, and faults."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app

from helpdesk.simulator.faults import SLOW, TIMEOUT
from helpdesk.simulator.simulation import Simulation

F = TypeVar("F", bound=Callable[..., Any])


def simulation() -> Simulation:
    """The simulation this app serves."""
    sim: Simulation = current_app.extensions["simulation"]
    return sim


def faulty(render: Callable[[str], Response]) -> Callable[[F], F]:
    """Wrap a view so a fraction of its responses misbehave; `render` makes the platform's
    own throttling and server-error responses. A timeout runs the view first and then
    stalls, so a write has happened but the client never hears of it."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            sim = simulation()
            kind = sim.faults.response_fault()
            if kind is None:
                return view(*args, **kwargs)
            if kind == SLOW:
                time.sleep(sim.faults.slow_seconds)
                return view(*args, **kwargs)
            if kind == TIMEOUT:
                response = view(*args, **kwargs)
                time.sleep(sim.faults.timeout_seconds)
                return response
            return render(kind)

        return wrapper  # type: ignore[return-value]

    return decorate
