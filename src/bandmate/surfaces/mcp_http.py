"""Serving the MCP server over streamable HTTP: loopback by default, a bearer token beyond it.

- ``--http PORT`` or ``--http HOST:PORT``; HOST defaults to 127.0.0.1.
- Binding beyond loopback requires ``BANDMATE_MCP_TOKEN``; when the token is set (on any host) every
  request must carry ``Authorization: Bearer <token>`` (compared in constant time), else 401.
- The SDK's Host/Origin (DNS-rebinding) checks stay on: loopback names on loopback, and the bound
  host (plus loopback) when binding beyond it.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from bandmate.core.errors import ToolInputError, quote

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOKEN_ENV = "BANDMATE_MCP_TOKEN"


def parse_bind(text: str) -> tuple[str, int]:
    """``"8000"`` -> (127.0.0.1, 8000); ``"0.0.0.0:8000"`` -> (0.0.0.0, 8000)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ToolInputError(f"--http expects PORT or HOST:PORT (e.g. 8000 or 0.0.0.0:8000), got {quote(text, 60)}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def security_for(host: str) -> Any:
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if not is_loopback(host) and host not in ("0.0.0.0", "::"):
        hosts.append(f"{host}:*")
        origins.append(f"http://{host}:*")
    return TransportSecuritySettings(enable_dns_rebinding_protection=host not in ("0.0.0.0", "::"),
                                     allowed_hosts=hosts, allowed_origins=origins)


class BearerAuth:
    """ASGI middleware: every HTTP request must carry the bearer token."""

    def __init__(self, app: Any, token: str):
        self.app, self._token = app, token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            got = dict(scope.get("headers") or []).get(b"authorization", b"")
            scheme, _, value = got.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(value.strip(), self._token):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body",
                            "body": b"missing or wrong bearer token (Authorization: Bearer $BANDMATE_MCP_TOKEN)"})
                return
        await self.app(scope, receive, send)


def http_app(server: Any, host: str, token: str | None) -> Any:
    """The ASGI app to serve; refuses a non-loopback host without a token."""
    if not is_loopback(host) and not token:
        raise ToolInputError(f"binding MCP to {host} (beyond loopback) needs a bearer token: set {TOKEN_ENV} to a "
                             "long random secret and give it to your clients, or bind to 127.0.0.1")
    app = server.streamable_http_app(host=host, transport_security=security_for(host))
    return BearerAuth(app, token) if token else app


def serve_http(server: Any, bind: str, token: str | None) -> None:
    import uvicorn

    host, port = parse_bind(bind)
    uvicorn.run(http_app(server, host, token), host=host, port=port, log_level="warning")
