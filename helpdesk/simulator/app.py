"""The simulator's web app: one blueprint per platform plus the control endpoints."""

from __future__ import annotations

from flask import Flask

from helpdesk.simulator import aliexpress_routes, amazon_routes, control_routes, ebay_routes, shopify_routes
from helpdesk.simulator.simulation import Simulation


def create_app(sim: Simulation) -> Flask:
    """A Flask app serving `sim` in each platform's wire format."""
    app = Flask("helpdesk.simulator")
    app.extensions["simulation"] = sim
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for module in (control_routes, ebay_routes, amazon_routes, shopify_routes, aliexpress_routes):
        app.register_blueprint(module.bp)
    return app
