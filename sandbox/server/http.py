"""The small vocabulary the vendor emulators share: a parsed request and a response to send.

Kept free of any vendor: each vendor module turns a `Request` into a `Response` in its own
wire format, and `app.py` sends it (or a fault instead).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    endpoint: str
    match: dict[str, str] = field(default_factory=dict)  # named groups of the route pattern
    mutations: frozenset[str] = frozenset()  # row faults to apply: duplicate, new_field, type_change

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def html_response(status: int, title: str) -> Response:
    """What a proxy in front of an API sends when the API behind it is gone: HTML, not JSON."""
    page = (
        f"<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error {status} ({title})!!1</title>"
        f"<p><b>{status}.</b> <ins>That's an error.</ins><p>{title}. "
        "The server encountered a temporary error and could not complete your request."
        "<p>Please try again in 30 seconds. <ins>That's all we know.</ins>\n"
    )
    return Response(status, page.encode(), {"Content-Type": "text/html; charset=UTF-8"})


def request_id() -> str:
    return secrets.token_urlsafe(16)
