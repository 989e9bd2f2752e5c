"""The ECB's euro reference rates, `GET /stats/eurofxref/eurofxref-hist.zip`, as www.ecb.europa.eu serves it.

A public file: no credentials. The zip holds `eurofxref-hist.csv` (see sandbox/ecb_rates.py).
"""

from __future__ import annotations

from sandbox.ecb_rates import archive, reference_rates
from sandbox.server.http import Request, Response, html_response
from sandbox.server.state import ServerState

ROUTES = [("GET", r"^/stats/eurofxref/eurofxref-hist\.zip$", "eurofxref_hist")]


def handle(request: Request, state: ServerState) -> Response:
    body = archive(reference_rates(state.world.spec))
    return Response(200, body, {"Content-Type": "application/zip"})


def error_response(endpoint: str, status: int, kind: str, arg: float | None = None) -> Response:
    """The ECB's web servers answer errors with an HTML page."""
    return html_response(status if status >= 400 else 503, "Service Unavailable")
