"""Socket.IO handlers: only signed-in agents connect; each joins the rooms it may see."""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import join_room

from helpdesk.extensions import socketio
from helpdesk.models import Role

INBOX_ROOM = "inbox"
SUPERVISOR_ROOM = "supervisor"


@socketio.on("connect")
def on_connect(_auth: object = None) -> bool:
    """Refuse sockets without a valid session; put agents in the inbox room."""
    if not current_user.is_authenticated:
        return False
    join_room(INBOX_ROOM)
    if current_user.role.includes(Role.SUPERVISOR):
        join_room(SUPERVISOR_ROOM)
    return True
