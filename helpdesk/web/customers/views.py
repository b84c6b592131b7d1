"""Merge suggestion views."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import CustomerMergeSuggestion
from helpdesk.services.access import visible_customer
from helpdesk.services.customers import CustomerError
from helpdesk.services.merge_suggestions import decide_suggestion
from helpdesk.web.customers import bp


@bp.route("/customers/suggestions/<int:suggestion_id>/confirm", methods=["POST"], defaults={"decision": "confirm"})
@bp.route("/customers/suggestions/<int:suggestion_id>/reject", methods=["POST"], defaults={"decision": "reject"})
def decide(suggestion_id: int, decision: str) -> Response:
    """Confirm or reject a suggested merge of two customers the agent may see."""
    suggestion = db.session.get(CustomerMergeSuggestion, suggestion_id)
    if suggestion is None or visible_customer(db.session, current_user, suggestion.customer_id) is None \
            or visible_customer(db.session, current_user, suggestion.candidate_id) is None:
        abort(404)
    keep = request.form.get("keep", type=int)
    try:
        published = decide_suggestion(db.session, suggestion_id, confirm=decision == "confirm", agent=current_user,
                                      keep_customer_id=keep)
    except CustomerError:
        abort(409)
    events.publish(published)
    flash(_("Customers merged.") if decision == "confirm" else _("Suggestion rejected."), "info")
    ticket_id = request.form.get("ticket_id", type=int)
    return redirect(url_for("tickets.show", ticket_id=ticket_id) if ticket_id else url_for("inbox.index"))
