"""Customers: merge suggestions to confirm or reject."""

from flask import Blueprint

bp = Blueprint("customers", __name__)

from helpdesk.web.customers import views  # noqa: F401
