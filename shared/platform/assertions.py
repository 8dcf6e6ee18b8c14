"""Callers proven, not claimed: the actor of every RPC request is a short-lived assertion signed by its issuer.

The portal signs the actor of each request it sends (Ed25519, a JWT with `EdDSA`), bound to the operation's
subject and to a digest of the parameters, valid for `ASSERTION_TTL_SECONDS`, with a unique id. The answering
service holds only public keys: it refuses a request whose assertion is missing, badly signed, expired, replayed
(an id it has seen), for another operation or other parameters, or from an issuer not allowed that operation.
Besides the portal, `awards` (registration's unit paths) and the `operator` tools (`thidua ops status`) issue
assertions for exactly the operations their NATS user may request (`buspermissions.SERVICE_CALLS`).

Times are the wall clock (`time.time()`), never the business clock a demo may move.

Keys live in a directory (`<issuer>.key`, private, 0600; `<issuer>.pub`, public): `thidua up` makes them under
var/secrets/keys; a deployment mounts each process's own private key and the public ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from shared.contracts.actors import Actor
from shared.contracts.errors import DomainError
from shared.platform.buspermissions import SERVICE_CALLS

log = logging.getLogger("thidua.assertions")

ASSERTION_TTL_SECONDS = 30.0
CLOCK_LEEWAY_SECONDS = 5.0
ALGORITHM = "EdDSA"
# Issuers whose assertions are good for every operation (each service still checks the actor's rights).
UNRESTRICTED_ISSUERS = frozenset({"portal"})
ISSUERS = ("portal", "awards", "operator")


class CallerRefused(DomainError):
    status = 401

    def __init__(self, reason: str) -> None:
        super().__init__("Yêu cầu không mang chứng thực hợp lệ của người gọi", code="caller_not_proven")
        self.reason = reason


def params_digest(params: Mapping[str, Any]) -> str:
    """SHA-256 of the parameters as canonical JSON: the same on both sides whatever the key order."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def operation_allowed(issuer: str, subject: str) -> bool:
    return issuer in UNRESTRICTED_ISSUERS or subject in SERVICE_CALLS.get(issuer, ())


@dataclass
class Signer:
    issuer: str
    key: Ed25519PrivateKey

    def sign(self, actor: Actor, subject: str, params: Mapping[str, Any]) -> str:
        now = time.time()
        claims = {
            "iss": self.issuer,
            "sub": actor.user_id,
            "act": actor.model_dump(mode="json"),
            "op": subject,
            "dig": params_digest(params),
            "iat": now,
            "exp": now + ASSERTION_TTL_SECONDS,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)


@dataclass
class Verifier:
    """The public keys a service trusts, and the assertion ids it has seen until they expire."""

    keys: dict[str, Ed25519PublicKey]
    seen: dict[str, float] = field(default_factory=dict)

    def verify(self, token: str | None, subject: str, params: Mapping[str, Any]) -> Actor:
        if not token:
            raise CallerRefused("missing")
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise CallerRefused(f"malformed: {exc}") from exc
        key = self.keys.get(str(issuer))
        if key is None:
            raise CallerRefused(f"unknown issuer {issuer!r}")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                # the times are checked below, against the one clock of this module
                options={"require": ["iss", "act", "op", "dig", "iat", "exp", "jti"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise CallerRefused(f"invalid: {exc}") from exc
        now = time.time()
        if float(claims["exp"]) + CLOCK_LEEWAY_SECONDS < now:
            raise CallerRefused("expired")
        if float(claims["iat"]) > now + CLOCK_LEEWAY_SECONDS:
            raise CallerRefused("issued in the future")
        if claims["op"] != subject:
            raise CallerRefused(f"for another operation ({claims['op']})")
        if not operation_allowed(str(issuer), subject):
            raise CallerRefused(f"issuer {issuer} may not call {subject}")
        if claims["dig"] != params_digest(params):
            raise CallerRefused("for other parameters")
        self._first_use(str(claims["jti"]), float(claims["exp"]))
        try:
            return Actor.model_validate(claims["act"])
        except ValidationError as exc:
            raise CallerRefused("actor unreadable") from exc

    def _first_use(self, jti: str, expires: float) -> None:
        now = time.time()
        if len(self.seen) > 10_000:  # forget what has expired anyway
            self.seen = {k: v for k, v in self.seen.items() if v + CLOCK_LEEWAY_SECONDS > now}
        if jti in self.seen:
            raise CallerRefused("replayed")
        self.seen[jti] = expires


# Keys on disk


def key_paths(directory: Path, issuer: str) -> tuple[Path, Path]:
    return directory / f"{issuer}.key", directory / f"{issuer}.pub"


def generate_keys(directory: Path, issuers: tuple[str, ...] = ISSUERS) -> list[str]:
    """Make the key pairs that are missing (private 0600, directory 0700); the issuers it made."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    made = []
    for issuer in issuers:
        private, public = key_paths(directory, issuer)
        if private.exists() and public.exists():
            continue
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        private.touch(mode=0o600)
        private.chmod(0o600)
        private.write_bytes(pem)
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        made.append(issuer)
    return made


def load_signer(directory: Path, issuer: str) -> Signer:
    private, _ = key_paths(directory, issuer)
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{private} is not an Ed25519 private key")
    return Signer(issuer, key)


def load_verifier(directory: Path) -> Verifier:
    """Every `<issuer>.pub` of the directory; no key at all is a configuration error, never "trust everyone"."""
    keys: dict[str, Ed25519PublicKey] = {}
    for issuer in ISSUERS:
        _, public = key_paths(directory, issuer)
        if public.exists():
            key = serialization.load_pem_public_key(public.read_bytes())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{public} is not an Ed25519 public key")
            keys[issuer] = key
    if not keys:
        raise FileNotFoundError(f"no caller public keys (<issuer>.pub) in {directory}: run `thidua keys` first")
    return Verifier(keys)
