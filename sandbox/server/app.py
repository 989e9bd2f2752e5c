"""The emulator: one local HTTP server speaking Google Ads, Meta Marketing, Shopify Admin and Klaviyo APIs,
and serving the ECB's euro reference rates file.

    with SandboxServer(world) as server:
        os.environ.update(server.source_env())   # point the three sources at it
        server.faults.add("429@insights#2:0.2")  # the 2nd /insights request gets a 429

All four vendors share one port: their paths never collide (`/v26/customers/...`,
`/v26.0/act_.../insights`, `/admin/api/.../graphql.json`, `/token`, `/api/events`). Every request is
logged (endpoint, number, status, time) so tests can see what the connector actually did.
"""

from __future__ import annotations

import logging
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from urllib.parse import parse_qsl, urlsplit

from sandbox.server import ecb, google_ads, klaviyo, meta_ads, shopify
from sandbox.server.faults import ROW_MUTATIONS, Fault, FaultPlan
from sandbox.server.http import Request, Response, html_response, json_response
from sandbox.server.state import Credentials, Limits, ServerState
from sandbox.simulate import World, WorldSpec

log = logging.getLogger(__name__)
VENDORS: list[ModuleType] = [google_ads, meta_ads, shopify, klaviyo, ecb]
SHOPIFY_API_VERSION = "2026-07"


@dataclass(frozen=True)
class LoggedRequest:
    endpoint: str
    number: int  # the nth request to this endpoint
    status: int | None  # None: not answered (yet): reset, abandoned or still waiting
    at: float  # time.monotonic() when the request arrived
    faults: tuple[str, ...]


def source_env(
    spec: WorldSpec, base_url: str, credentials: Credentials, as_of: date | None = None
) -> dict[str, str]:
    """The SOURCES__... variables that point every API source at a sandbox server on `base_url` serving
    a world of `spec` (seen as on `as_of`, None: all of it)."""
    start = spec.start_date.isoformat()
    first_account_day = spec.first_account_day.isoformat()
    first_rates_day = (spec.first_account_day - timedelta(days=14)).isoformat()
    today = (as_of or spec.last_account_day).isoformat()  # the ad platforms' "today" (ServerState)
    env = {
        "SOURCES__GOOGLE_ADS__BASE_URL": base_url,
        "SOURCES__GOOGLE_ADS__TOKEN_URL": f"{base_url}/token",
        "SOURCES__GOOGLE_ADS__CLIENT_ID": credentials.google_client_id,
        "SOURCES__GOOGLE_ADS__CLIENT_SECRET": credentials.google_client_secret,
        "SOURCES__GOOGLE_ADS__REFRESH_TOKEN": credentials.google_refresh_token,
        "SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN": credentials.google_developer_token,
        "SOURCES__GOOGLE_ADS__CUSTOMER_ID": credentials.google_customer_id,
        "SOURCES__GOOGLE_ADS__START_DATE": first_account_day,
        "SOURCES__GOOGLE_ADS__END_DATE": today,
        "SOURCES__META_ADS__BASE_URL": base_url,
        "SOURCES__META_ADS__ACCESS_TOKEN": credentials.meta_access_token,
        "SOURCES__META_ADS__ACCOUNT_ID": credentials.meta_account_id,
        "SOURCES__META_ADS__START_DATE": first_account_day,
        "SOURCES__META_ADS__END_DATE": today,
        "SOURCES__SHOPIFY__BASE_URL": base_url,
        "SOURCES__SHOPIFY__ACCESS_TOKEN": credentials.shopify_access_token,
        "SOURCES__SHOPIFY__API_VERSION": SHOPIFY_API_VERSION,
        "SOURCES__SHOPIFY__START_DATE": start,
        "SOURCES__ECB_RATES__BASE_URL": base_url,
        "SOURCES__ECB_RATES__START_DATE": first_rates_day,
        "SOURCES__KLAVIYO__BASE_URL": base_url,
        "SOURCES__KLAVIYO__API_KEY": credentials.klaviyo_api_key,
        "SOURCES__KLAVIYO__START_DATE": start,
    }
    if credentials.google_login_customer_id:
        env["SOURCES__GOOGLE_ADS__LOGIN_CUSTOMER_ID"] = credentials.google_login_customer_id
    return env


class SandboxServer:
    """Serve `world` on 127.0.0.1 (a free port unless given) until `stop()` or the `with` block ends."""

    def __init__(
        self,
        world: World,
        port: int = 0,
        as_of: date | None = None,
        credentials: Credentials | None = None,
        limits: Limits | None = None,
        faults: list[Fault | str] | None = None,
        listening: socket.socket | None = None,
    ):
        """`listening`: a socket already bound and listening (made before a fork, so that the
        sources know the port before the world exists); else one on `port` is made here."""
        self.state = ServerState(world, as_of, credentials or Credentials(), limits or Limits())
        self.faults = FaultPlan()
        self.faults.add(*(faults or []))
        self.requests: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._routes = [
            (method, re.compile(pattern), endpoint, vendor)
            for vendor in VENDORS
            for method, pattern, endpoint in vendor.ROUTES
        ]
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler, bind_and_activate=listening is None)
        if listening is not None:
            self._httpd.socket.close()
            self._httpd.socket = listening
            self._httpd.server_address = listening.getsockname()
        self._httpd.daemon_threads = True
        self._httpd.app = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sandbox-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- control ---------------------------------------------------------------------------------
    def set_as_of(self, day: date | None) -> None:
        """Answer from now on as the vendors would have on `day` (None: the whole world)."""
        self.state.as_of = day

    def count(self, endpoint: str) -> int:
        return sum(1 for r in self.requests if r.endpoint == endpoint)

    def source_env(self) -> dict[str, str]:
        """The SOURCES__... variables that point google_ads, meta_ads, shopify and klaviyo at this server."""
        return source_env(self.state.world.spec, self.base_url, self.state.credentials, self.state.as_of)

    # -- one request -----------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        route = next(
            (
                (endpoint, vendor, m)
                for method, pattern, endpoint, vendor in self._routes
                if method == handler.command and (m := pattern.match(url.path))
            ),
            None,
        )
        if route is None:
            self._send(handler, json_response(404, {"errors": "Not Found"}))
            return
        endpoint, vendor, match = route
        number, faults = self.faults.next_request(endpoint)
        entry = LoggedRequest(endpoint, number, None, time.monotonic(), tuple(f.kind for f in faults))
        with self._log_lock:  # logged on arrival: a slow or reset request is visible while it hangs
            self.requests.append(entry)
            position = len(self.requests) - 1
        request = Request(
            handler.command,
            url.path,
            dict(parse_qsl(url.query)),
            {k.lower(): v for k, v in handler.headers.items()},
            body,
            endpoint,
            match.groupdict(),
            frozenset(f.kind for f in faults if f.kind in ROW_MUTATIONS),
        )
        response: Response | None = None
        for fault in faults:
            if fault.kind == "slow":
                if self._stopping.wait(fault.number(5.0)):
                    return
            elif fault.kind == "reset":
                _reset(handler)
                return
            elif fault.kind not in ROW_MUTATIONS:
                response = _fault_response(fault, vendor, endpoint) if response is None else response
        if response is None:
            try:
                response = vendor.handle(request, self.state)
            except Exception:  # an emulator bug must look like a vendor 500, not a dropped connection
                log.exception("sandbox %s failed on %s", endpoint, url.path)
                response = vendor.error_response(endpoint, 500, "5xx")
            if any(f.kind == "malformed" for f in faults):
                response = Response(200, response.body[: max(1, len(response.body) // 2)], response.headers)
        self.requests[position] = replace(entry, status=response.status)
        self._send(handler, response)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, response: Response) -> None:
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout fired): nothing to tell it


def _fault_response(fault: Fault, vendor: ModuleType, endpoint: str) -> Response | None:
    if fault.kind == "malformed":
        return None  # rendered from the real answer, cut in half
    if fault.kind == "429":
        response = vendor.error_response(endpoint, 429, "429")
        response.headers["Retry-After"] = fault.arg or "1"
        return response
    if fault.kind == "5xx":
        return vendor.error_response(endpoint, int(fault.number(503)), "5xx")
    if fault.kind == "html":
        return html_response(int(fault.number(502)), "Bad Gateway")
    if fault.kind == "throttle":
        return vendor.error_response(endpoint, 429, "throttle", float(fault.arg) if fault.arg else None)
    if fault.kind == "auth":
        return vendor.error_response(endpoint, 401, "auth")
    raise ValueError(f"fault {fault} has no response")


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing peer or proxy does."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "microfunnel-sandbox"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self.server.app.handle(self)  # type: ignore[attr-defined]

    do_POST = do_GET

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # a reset connection has nothing left to flush

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        # The path only, never the query string: Meta's access_token may travel in it.
        log.debug("sandbox %s %s", self.command, urlsplit(self.path).path)
