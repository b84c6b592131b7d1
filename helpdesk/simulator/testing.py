"""Run a simulation in-process on a free port (tests, demos, benchmarks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from helpdesk.simulator.app import create_app
from helpdesk.simulator.simulation import Simulation


@contextmanager
def serve(sim: Simulation, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `sim` over real HTTP in a background thread; yields the base URL."""
    server = make_server(host, 0, create_app(sim), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="simulator-http", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
