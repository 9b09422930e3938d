"""Route table of sessions: log-in/out pages, the sessions API and the public keys."""

from federation.routing import Route
from systems.user.sessions.restful.create_session import create_session
from systems.user.sessions.restful.delete_session import delete_session
from systems.user.sessions.restful.get_jwks import get_jwks
from systems.user.sessions.restful.log_in import log_in
from systems.user.sessions.restful.log_out import log_out

ROUTES = [
    Route("/login", log_in, methods=("GET", "POST")),
    Route("/logout", log_out, methods=("GET", "POST")),
    Route("/api/sessions", create_session, methods=("POST",)),
    Route("/api/sessions", delete_session, methods=("DELETE",)),
    Route("/.well-known/jwks.json", get_jwks),
]
