"""A hostile OpenID provider on loopback that signs whatever ID token a test asks for.

Why not the npm ``oidc-provider`` (``provider/server.js``): it only issues correct tokens, and
teaching the development provider to forge would put attack code in what ``make oidc`` and
Docker Compose run. This is a real HTTP server (discovery, JWKS, authorization and token
endpoints), so the app's whole path is exercised (discovery checks, code exchange, PKCE, JWKS
fetch, authlib's verification), and nothing of the app is mocked.

It behaves as a correct provider (PKCE S256, client secret, single-use codes, the request's
nonce echoed) except for the one thing :attr:`ForgingProvider.forgery` names, so a refusal can
only come from the check under test. Its discovery advertises ``HS256`` and ``none`` as well as
``RS256``: our allowlist, not the provider's list, must decide.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

#: What a test may ask for: a correct token, or one with a single thing wrong.
FORGERIES = (
    "genuine",
    "wrong_aud",  # issued to another client, even naming us as authorised party (azp)
    "wrong_iss",  # another issuer, signed with the right key
    "iss_trailing_slash",  # the pinned issuer plus "/": the match must be exact
    "alg_none",  # unsigned
    "hs256_public_key",  # HMAC keyed with our RSA public key (PEM): key confusion
    "jwk_header",  # signed with the attacker's key, which the header carries
    "jku_header",  # signed with the attacker's key, published at a URL the header names
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    """A JWS put together by hand, for tokens no JOSE library would agree to sign."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


class ForgingProvider:
    """The provider's keys, the codes it has issued, and the forgery for the next token."""

    def __init__(self, port: int, clients: dict[str, str], claims: dict[str, Any]) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.port = port
        self.clients = clients  # client_id -> secret
        self.claims = claims  # the person every sign-in is for
        self.key = RSAKey.generate_key(2048, parameters={"kid": "genuine", "use": "sig"})
        # 1024 bits keeps a header carrying it under joserfc's 512-byte cap, so the refusal is the
        # signature check and not the size limit.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Key size should be >= 2048 bits": it is forged
            self.attacker_key = RSAKey.generate_key(1024, parameters={"kid": "attacker"})
        self.forgery = "genuine"
        self.attacker_jwks_fetches = 0
        self._codes: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    # Endpoints -------------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def attacker_jwks(self) -> dict[str, Any]:
        with self._lock:
            self.attacker_jwks_fetches += 1
        return {"keys": [self.attacker_key.as_dict(private=False)]}

    def authorize(self, query: dict[str, str]) -> str:
        """Sign the person in at once; return where to send the browser."""
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = query
        answer = {"code": code, "state": query.get("state", ""), "iss": self.issuer}
        return f"{query['redirect_uri']}?{urlencode(answer)}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            request = self._codes.pop(form.get("code", ""), None)
        client_id, _, secret = (
            base64.b64decode(authorization.removeprefix("Basic "))
            .decode(errors="replace")
            .partition(":")
        )
        if request is None or request.get("redirect_uri") != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if client_id != request.get("client_id") or self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client"}
        challenge = _b64(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if request.get("code_challenge_method") != "S256" or challenge != request.get(
            "code_challenge"
        ):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        id_token = self.id_token(client_id, request.get("nonce"))
        return 200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    # Tokens ----------------------------------------------------------------------------------

    def id_token(self, client_id: str, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            **self.claims,
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        forgery = self.forgery
        header: dict[str, Any] = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        key = self.key
        if forgery == "wrong_aud":
            claims.update(aud="someone-else-app", azp=client_id)
        elif forgery == "wrong_iss":
            claims["iss"] = "http://127.0.0.1:1/another-provider"
        elif forgery == "iss_trailing_slash":
            claims["iss"] = self.issuer + "/"
        elif forgery == "alg_none":
            return _compact({"alg": "none", "typ": "JWT"}, claims, lambda _: b"")
        elif forgery == "hs256_public_key":
            secret = self.key.as_pem(private=False)
            header = {"alg": "HS256", "kid": self.key.kid, "typ": "JWT"}
            return _compact(header, claims, lambda data: hmac.digest(secret, data, "sha256"))
        elif forgery == "jwk_header":
            # The kid is the genuine one: only a verifier that trusts the embedded key accepts.
            header["jwk"] = self.attacker_key.as_dict(private=False)
            key = self.attacker_key
        elif forgery == "jku_header":
            header.update(kid=self.attacker_key.kid, jku=f"{self.issuer}/attacker/jwks")
            key = self.attacker_key
        elif forgery != "genuine":
            raise ValueError(f"unknown forgery {forgery!r}")
        return jwt.encode(header, claims, key)


def _handler(provider: ForgingProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: dict[str, Any] | None = None, **headers: str) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._send(200, provider.discovery())
            elif parts.path == "/jwks":
                self._send(200, provider.jwks())
            elif parts.path == "/attacker/jwks":
                self._send(200, provider.attacker_jwks())
            elif parts.path == "/authorize":
                self._send(302, Location=provider.authorize(query))
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/token":
                self._send(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            status, body = provider.token(form, self.headers.get("Authorization", ""))
            self._send(status, body, **{"Cache-Control": "no-store"})

    return Handler


@contextmanager
def running(
    port: int, clients: dict[str, str], claims: dict[str, Any]
) -> Iterator[ForgingProvider]:
    """Serve a :class:`ForgingProvider` on ``127.0.0.1:port`` until the block ends."""
    provider = ForgingProvider(port, clients, claims)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    thread = threading.Thread(target=server.serve_forever, name="forging-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
