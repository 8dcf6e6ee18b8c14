"""Which key signs for a unit: `SigningKeys.key_for(unit_code)` answers a `UnitKey`, or raises `NoSigningKey` (the
unit has none) or `SigningKeyUnavailable` (it has one that cannot be used: a missing file or passphrase, a token; each
with a stable `code`, errors.py).

Two sources, chosen by `SigningKeys.from_settings` (a service) or `from_environment` (a tool):
- production: the TOML file named by `THIDUA_SIGNING_KEYS` maps unit codes to a PKCS#12 file and the variable that
  holds its passphrase, or to a key on a PKCS#11 token (tokens.py); optionally the CA certificates and CRLs of its
  chain, for embedded validation info;
- otherwise the embedded demo: `<THIDUA_VAR_DIR>/pki/`, made by `thidua migrate` (`pki.ensure_demo_pki`), with
  its CRL and its demo time-stamping authority.

    [units.HN]
    pkcs12 = "keys/hn.p12"                   # relative to the TOML file's directory
    passphrase_env = "THIDUA_KEY_HN"         # the variable holding the passphrase (omit for none)
    crls = ["pki/root.crl"]                  # optional: embedded with the chain (validation info)

    [units.HN-SONTAY]
    pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token = "HN-SONTAY", key = "ky", pin_env = "THIDUA_PIN_SONTAY" }
    chain = ["pki/root.pem"]                 # optional: CA certificates the token does not hold

A configured time-stamping authority (`THIDUA_TSA_URL`, timestamps.py) stamps every production signature.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from asn1crypto import cms, core, pem
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pydantic import BaseModel, ConfigDict, ValidationError
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign.general import as_signing_certificate
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from shared.platform.pdfsigning.errors import NoSigningKey, SigningKeyUnavailable
from shared.platform.pdfsigning.pki import DemoPki
from shared.platform.pdfsigning.timestamps import TimestampAuthority
from shared.platform.pdfsigning.tokens import Pkcs11Token, TokenKey
from shared.platform.settings import ServiceSettings

SIGNING_KEYS_ENV = "THIDUA_SIGNING_KEYS"


class KeySource(Protocol):
    """Where a unit's private key is, opened for one signature (`with source.signer() as signer: …`)."""

    def signer(self) -> AbstractContextManager[Signer]: ...


@dataclass(frozen=True)
class KeyInMemory:
    """A key read from a PKCS#12 file (production or the demo CA's)."""

    loaded: SimpleSigner

    @contextmanager
    def signer(self) -> Iterator[Signer]:
        yield self.loaded


@dataclass(frozen=True)
class UnitKey:
    """A unit's key and what lets its signature carry a timestamp and its validation info."""

    unit_code: str
    source: KeySource
    # Roots beyond the self-signed certificates the key's chain carries, and the CRLs: with both, the signature
    # embeds its validation info.
    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    timestamper: TimeStamper | None = None
    tsa_url: str | None = None  # the configured time-stamping authority (None: none, or the demo's in-process one)
    demo: bool = False


class UnitKeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pkcs12: Path | None = None
    passphrase_env: str | None = None
    pkcs11: Pkcs11Token | None = None
    chain: tuple[Path, ...] = ()
    crls: tuple[Path, ...] = ()


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
    def demo(cls, var_dir: Path, tsa: TimestampAuthority | None = None) -> SigningKeys:
        pki = DemoPki.of(var_dir)
        return cls(f"the demo CA ({pki.root})", lambda unit_code: _demo_key(pki, unit_code, tsa))

    @classmethod
    def from_file(cls, path: Path, environ: Mapping[str, str], tsa: TimestampAuthority | None = None) -> SigningKeys:
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
            return _configured_key(unit_code, entry, base, environ, tsa)

        return cls(str(path), load)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SigningKeys:
        """`THIDUA_SIGNING_KEYS` when set, else the demo CA under `THIDUA_VAR_DIR` (default `var`); the
        time-stamping authority of `THIDUA_TSA_URL` when set."""
        environ = os.environ if environ is None else environ
        tsa = TimestampAuthority.from_environment(environ)
        if environ.get(SIGNING_KEYS_ENV):
            return cls.from_file(Path(environ[SIGNING_KEYS_ENV]), environ, tsa)
        return cls.demo(Path(environ.get("THIDUA_VAR_DIR") or "var"), tsa)

    @classmethod
    def from_settings(cls, settings: ServiceSettings, environ: Mapping[str, str] | None = None) -> SigningKeys:
        """A service's keys, from its settings (`signing_keys`, `var_dir`, `tsa_*`); passphrases and PINs are read
        from `environ`."""
        tsa = None
        if settings.tsa_url:
            password = settings.tsa_password.get_secret_value() if settings.tsa_password else None
            tsa = TimestampAuthority(settings.tsa_url, settings.tsa_username, password)
        if settings.signing_keys is not None:
            return cls.from_file(settings.signing_keys, os.environ if environ is None else environ, tsa)
        return cls.demo(settings.var_dir, tsa)

    def key_for(self, unit_code: str) -> UnitKey:
        if unit_code not in self._loaded:
            self._loaded[unit_code] = self._load(unit_code)
        return self._loaded[unit_code]


def _demo_key(pki: DemoPki, unit_code: str, tsa: TimestampAuthority | None) -> UnitKey:
    path = pki.unit_key(unit_code)
    if not pki.exists() or path.parent != pki.root / "units" or not path.exists():
        raise NoSigningKey(unit_code, f"the demo CA ({pki.root}); `thidua migrate` makes one per issuing unit")
    ca = next(load_certs_from_pemder_data(pki.ca_certificate.read_bytes()))
    crls = (asn1_crl.CertificateList.load(pki.crl.read_bytes()),) if pki.crl.exists() else ()
    return UnitKey(
        unit_code=unit_code,
        source=KeyInMemory(_pkcs12_signer(unit_code, path.read_bytes(), None, ())),
        trust_roots=(ca,),
        crls=crls,
        timestamper=tsa.timestamper() if tsa is not None else _demo_timestamper(pki),
        tsa_url=tsa.url if tsa is not None else None,
        demo=True,
    )


def _demo_timestamper(pki: DemoPki) -> TimeStamper | None:
    """pyHanko's in-process time stamper with the demo TSA's key: a demo only (it stamps the machine's own clock)."""
    if not pki.tsa.exists():
        return None
    tsa = SimpleSigner.load_pkcs12_data(pki.tsa.read_bytes(), other_certs=())
    return DemoTimeStamper(tsa_cert=tsa.signing_cert, tsa_key=tsa.signing_key)


class DemoTimeStamper(DummyTimeStamper):
    """pyHanko's DummyTimeStamper with its RSA key parsed once, when it is made (with the unit's key, which
    `SigningKeys.key_for` keeps for the process): pyHanko's own parses the key again for every timestamp, and the
    cryptography package checks an RSA key's primes each time it parses one (~35 ms of CPU, a third of what signing
    a decision cost). The demo TSA's key is made by `thidua migrate` (pki.py) and checked at that one parse.
    `_sign_tst_info` is pyHanko 0.38's, but for the key; a signature it got wrong would fail every verification of a
    signed file (tests/unit/test_pdf_signatures.py checks the token)."""

    def __init__(self, tsa_cert: asn1_x509.Certificate, tsa_key: asn1_keys.PrivateKeyInfo) -> None:
        super().__init__(tsa_cert=tsa_cert, tsa_key=tsa_key)
        key = serialization.load_der_private_key(tsa_key.dump(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise NotImplementedError("the demo time-stamping authority signs with RSA")
        self._key = key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                _attribute("content_type", "tst_info"),
                _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                _attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                _attribute("message_digest", md.finalize()),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs


def _attribute(kind: str, value: object) -> cms.CMSAttribute:
    """One signed attribute of one value (pyHanko's `simple_cms_attribute`, which is untyped)."""
    return cms.CMSAttribute({"type": cms.CMSAttributeType(kind), "values": (value,)})


def _configured_key(
    unit_code: str, entry: UnitKeyEntry, base: Path, environ: Mapping[str, str], tsa: TimestampAuthority | None
) -> UnitKey:
    if (entry.pkcs12 is None) == (entry.pkcs11 is None):
        raise SigningKeyUnavailable(
            unit_code, "key_file_unreadable", "cấu hình cần đúng một trong hai: pkcs12 (tệp khoá) hoặc pkcs11 (token)."
        )
    try:
        chain = tuple(c for p in entry.chain for c in load_certs_from_pemder_data((base / p).read_bytes()))
        crls = tuple(asn1_crl.CertificateList.load(_der(base / p)) for p in entry.crls)
    except (OSError, ValueError) as exc:
        raise SigningKeyUnavailable(
            unit_code, "key_file_unreadable", f"không đọc được tệp chứng thư hoặc CRL ({type(exc).__name__}: {exc})."
        ) from exc
    source: KeySource
    if entry.pkcs11 is not None:
        source = TokenKey(unit_code, entry.pkcs11.resolved(base), environ, chain)
    else:
        source = KeyInMemory(_pkcs12_key(unit_code, entry, base, environ, chain))
    roots = tuple(c for c in chain if c.self_signed in {"maybe", "yes"})
    return UnitKey(
        unit_code=unit_code,
        source=source,
        trust_roots=roots,
        crls=crls,
        timestamper=tsa.timestamper() if tsa is not None else None,
        tsa_url=tsa.url if tsa is not None else None,
    )


def _pkcs12_key(
    unit_code: str, entry: UnitKeyEntry, base: Path, environ: Mapping[str, str], chain: tuple[asn1_x509.Certificate, ...]
) -> SimpleSigner:
    assert entry.pkcs12 is not None
    passphrase: bytes | None = None
    if entry.passphrase_env:
        if entry.passphrase_env not in environ:
            raise SigningKeyUnavailable(
                unit_code, "passphrase_missing", f"chưa đặt biến môi trường {entry.passphrase_env} chứa mật khẩu tệp khoá."
            )
        passphrase = environ[entry.passphrase_env].encode()
    try:
        data = (base / entry.pkcs12).read_bytes()
    except OSError as exc:
        raise SigningKeyUnavailable(
            unit_code, "key_file_unreadable", f"không đọc được tệp khoá {base / entry.pkcs12} ({type(exc).__name__})."
        ) from exc
    return _pkcs12_signer(unit_code, data, passphrase, chain)


def _pkcs12_signer(
    unit_code: str, data: bytes, passphrase: bytes | None, chain: tuple[asn1_x509.Certificate, ...]
) -> SimpleSigner:
    try:
        signer: SimpleSigner = SimpleSigner.load_pkcs12_data(data, other_certs=chain, passphrase=passphrase)
    except ValueError as exc:
        raise SigningKeyUnavailable(
            unit_code, "wrong_passphrase", "không mở được tệp khoá PKCS#12 (sai mật khẩu, hoặc tệp không phải PKCS#12)."
        ) from exc
    return signer


def _der(path: Path) -> bytes:
    """A CRL file's DER bytes, whether the file is DER or PEM."""
    data = path.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data
