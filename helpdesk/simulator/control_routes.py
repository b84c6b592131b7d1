"""The simulator's own endpoints: inject a message, read the truth, list the stores."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from helpdesk.simulator.http import simulation
from helpdesk.simulator.simulation import SimulationError

bp = Blueprint("sim_control", __name__, url_prefix="/_sim")


@bp.post("/inject")
def inject() -> tuple[Response, int]:
    """Publish one chosen buyer message at once; answers with its external id."""
    data: Any = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="send a JSON object"), 400
    fields = {k: data.get(k) for k in ("subject", "buyer", "order_id")}
    if any(v is not None and not isinstance(v, str) for v in fields.values()):
        return jsonify(error="subject, buyer and order_id must be strings"), 400
    try:
        message = simulation().inject(
            str(data.get("platform") or ""), data.get("text"),  # type: ignore[arg-type]
            subject=fields["subject"], buyer=fields["buyer"], order_id=fields["order_id"],
        )
    except SimulationError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(
        external_id=message.external_id, platform=message.platform, store=message.store,
        buyer=message.buyer.email if message.platform in ("amazon", "shopify", "email") else message.buyer.login,
        order_id=message.order_id, sent_at=message.sent_at.isoformat(),
    ), 201


@bp.get("/truth")
def truth() -> Response:
    """What was published and received so far."""
    return jsonify(simulation().snapshot())


@bp.get("/stores")
def stores() -> Response:
    """The simulated stores and the channel settings that reach them."""
    from helpdesk.simulator.register import channel_specs

    specs = channel_specs(simulation(), request.host_url.rstrip("/"))
    return jsonify([{k: v for k, v in spec.items() if k != "credentials"} for spec in specs])
