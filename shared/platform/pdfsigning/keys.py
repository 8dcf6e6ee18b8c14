"""Which key signs for a unit: `SigningKeys.key_for(unit_code)` answers a `UnitKey`, or raises `NoSigningKey` (the
unit has none) or `SigningKeyUnavailable` (it has one that cannot be used: a missing file or passphrase, a token).

Two sources, chosen by `SigningKeys.from_settings` (a service) or `from_environment` (a tool):
- production: the TOML file named by `THIDUA_SIGNING_KEYS` maps unit codes to a PKCS#12 file and the variable that
  holds its passphrase (optionally CRL files of its CA, for embedded validation info), or to a PKCS#11 token;
- otherwise the embedded demo: `<THIDUA_VAR_DIR>/pki/`, made by `thidua migrate` (`pki.ensure_demo_pki`), with
  its CRL and its demo time-stamping authority.

    [units.HN]
    pkcs12 = "keys/hn.p12"                   # relative to the TOML file's directory
    passphrase_env = "THIDUA_KEY_HN"         # the variable holding the passphrase (omit for none)
    crls = ["pki/root.crl"]                  # optional: embedded with the chain (validation info)

    [units.HN-SONTAY]
    pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token = "HN-SONTAY", key = "ky", pin_env = "THIDUA_PIN_SONTAY" }

PKCS#11 is read and refused with `SigningKeyUnavailable` naming the unit: not supported yet (python-pkcs11 and a
token to test against are not part of this project).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pydantic import BaseModel, ConfigDict, ValidationError
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper

from shared.platform.pdfsigning.pki import DemoPki
from shared.platform.settings import ServiceSettings

SIGNING_KEYS_ENV = "THIDUA_SIGNING_KEYS"


class SigningKeyError(Exception):
    def __init__(self, unit_code: str, message: str) -> None:
        super().__init__(message)
        self.unit_code = unit_code


class NoSigningKey(SigningKeyError):
    """The unit has no signing key in the configured source."""

    def __init__(self, unit_code: str, source: str) -> None:
        super().__init__(unit_code, f"no signing key for unit {unit_code} in {source}")


class SigningKeyUnavailable(SigningKeyError):
    """The unit has a key that cannot be used (file, passphrase, token)."""

    def __init__(self, unit_code: str, reason: str) -> None:
        super().__init__(unit_code, f"signing key of unit {unit_code} unavailable: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class UnitKey:
    """A unit's signer (key, certificate and its chain) and what lets a signature carry its validation info."""

    unit_code: str
    signer: SimpleSigner
    # The root(s) the chain leads to and their CRLs: both present, the signature embeds its validation info.
    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    timestamper: TimeStamper | None = None
    demo: bool = False

    @property
    def common_name(self) -> str:
        certificate = self.signer.signing_cert
        return str(certificate.subject.native.get("common_name", "")) if certificate is not None else ""

    @property
    def validation_info_available(self) -> bool:
        return bool(self.trust_roots and self.crls)


class Pkcs11Token(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    module: Path
    token: str
    key: str
    pin_env: str


class UnitKeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pkcs12: Path | None = None
    passphrase_env: str | None = None
    crls: tuple[Path, ...] = ()
    pkcs11: Pkcs11Token | None = None


class KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    units: dict[str, UnitKeyEntry] = {}


class SigningKeys:
    """The keys of every unit from one source, each loaded once, when first asked for."""

    def __init__(self, source: str, load: Callable[[str], UnitKey]) -> None:
        self.source = source
        self._load = load
        self._loaded: dict[str, UnitKey] = {}

    @classmethod
    def demo(cls, var_dir: Path) -> SigningKeys:
        pki = DemoPki.of(var_dir)
        return cls(f"the demo CA ({pki.root})", lambda unit_code: _demo_key(pki, unit_code))

    @classmethod
    def from_file(cls, path: Path, environ: Mapping[str, str]) -> SigningKeys:
        try:
            with path.open("rb") as f:
                config = KeysFile.model_validate(tomllib.load(f))
        except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
            raise ValueError(f"{SIGNING_KEYS_ENV}={path}: {exc}") from exc
        base = path.parent

        def load(unit_code: str) -> UnitKey:
            entry = config.units.get(unit_code)
            if entry is None:
                raise NoSigningKey(unit_code, str(path))
            return _configured_key(unit_code, entry, base, environ)

        return cls(str(path), load)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SigningKeys:
        """`THIDUA_SIGNING_KEYS` when set, else the demo CA under `THIDUA_VAR_DIR` (default `var`)."""
        environ = os.environ if environ is None else environ
        if environ.get(SIGNING_KEYS_ENV):
            return cls.from_file(Path(environ[SIGNING_KEYS_ENV]), environ)
        return cls.demo(Path(environ.get("THIDUA_VAR_DIR") or "var"))

    @classmethod
    def from_settings(cls, settings: ServiceSettings, environ: Mapping[str, str] | None = None) -> SigningKeys:
        """A service's keys, from its settings (`signing_keys`, `var_dir`); passphrases are read from `environ`."""
        if settings.signing_keys is not None:
            return cls.from_file(settings.signing_keys, os.environ if environ is None else environ)
        return cls.demo(settings.var_dir)

    def key_for(self, unit_code: str) -> UnitKey:
        if unit_code not in self._loaded:
            self._loaded[unit_code] = self._load(unit_code)
        return self._loaded[unit_code]


def _demo_key(pki: DemoPki, unit_code: str) -> UnitKey:
    path = pki.unit_key(unit_code)
    if not pki.exists() or path.parent != pki.root / "units" or not path.exists():
        raise NoSigningKey(unit_code, f"the demo CA ({pki.root}); `thidua migrate` makes one per issuing unit")
    ca = next(load_certs_from_pemder_data(pki.ca_certificate.read_bytes()))
    crls = (asn1_crl.CertificateList.load(pki.crl.read_bytes()),) if pki.crl.exists() else ()
    return UnitKey(
        unit_code=unit_code,
        signer=_pkcs12_signer(unit_code, path.read_bytes(), None),
        trust_roots=(ca,),
        crls=crls,
        timestamper=_demo_timestamper(pki),
        demo=True,
    )


def _demo_timestamper(pki: DemoPki) -> TimeStamper | None:
    """pyHanko's in-process time stamper with the demo TSA's key: a demo only (it stamps the machine's own clock)."""
    if not pki.tsa.exists():
        return None
    tsa = SimpleSigner.load_pkcs12_data(pki.tsa.read_bytes(), other_certs=())
    return DummyTimeStamper(tsa_cert=tsa.signing_cert, tsa_key=tsa.signing_key)


def _configured_key(unit_code: str, entry: UnitKeyEntry, base: Path, environ: Mapping[str, str]) -> UnitKey:
    if entry.pkcs11 is not None:
        raise SigningKeyUnavailable(
            unit_code, f"PKCS#11 token {entry.pkcs11.token!r} ({entry.pkcs11.module}) is not supported yet: use a PKCS#12 file"
        )
    if entry.pkcs12 is None:
        raise SigningKeyUnavailable(unit_code, "neither pkcs12 nor pkcs11 is configured")
    passphrase: bytes | None = None
    if entry.passphrase_env:
        if entry.passphrase_env not in environ:
            raise SigningKeyUnavailable(unit_code, f"the variable {entry.passphrase_env} holding its passphrase is not set")
        passphrase = environ[entry.passphrase_env].encode()
    try:
        data = (base / entry.pkcs12).read_bytes()
        crls = tuple(asn1_crl.CertificateList.load(_der(base / p)) for p in entry.crls)
    except (OSError, ValueError) as exc:
        raise SigningKeyUnavailable(unit_code, f"{type(exc).__name__}: {exc}") from exc
    signer = _pkcs12_signer(unit_code, data, passphrase)
    roots = tuple(c for c in signer.cert_registry if c.self_signed in {"maybe", "yes"})
    return UnitKey(unit_code=unit_code, signer=signer, trust_roots=roots, crls=crls)


def _pkcs12_signer(unit_code: str, data: bytes, passphrase: bytes | None) -> SimpleSigner:
    try:
        signer: SimpleSigner = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=passphrase)
    except ValueError as exc:
        raise SigningKeyUnavailable(unit_code, "the PKCS#12 file cannot be read (wrong passphrase, or not PKCS#12)") from exc
    return signer


def _der(path: Path) -> bytes:
    """A CRL file's DER bytes, whether the file is DER or PEM."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        from asn1crypto import pem

        _, _, data = pem.unarmor(data)
    return data
