"""The demo PKI of the embedded system: a root CA that says it is a demo, its CRL, a demo time-stamping authority and
one signing certificate per unit that issues documents, under `<var>/pki/` (never in git: var/ is ignored).

`thidua migrate` calls `ensure_demo_pki`: it creates what is missing and keeps what exists, so a second run changes
nothing, a unit added to the tree later gets its certificate, and a CRL close to its next update is issued anew.
Keys are EC P-256 (the TSA's RSA 2048: pyHanko's in-process time stamper signs with RSA only), each unit's key and
certificate in a PKCS#12 file without a passphrase, readable by its owner only (like the other keys under var/).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.platform.files import PRIVATE_DIR, private_file
from shared.rules.reference import DATA_DIR, load_units

PKI_DIR = "pki"
DEMO_ORGANISATION = "Thidua DEMO"  # what marks a certificate as the demo CA's (`is_demo_ca`)
DEMO_CA_NAME = "Thidua DEMO CA – chỉ dùng thử"
DEMO_CA_NOTE = "Không có giá trị pháp lý"  # its organisational unit: a name attribute holds 64 bytes of UTF-8 at most
DEMO_TSA_NAME = "Thidua DEMO TSA – chỉ dùng thử"
# Never fetched (signing and verifying are offline); named so that a certificate says where its CRL would be.
DEMO_CRL_URL = "http://pki.thidua.invalid/demo-ca.crl"
CA_YEARS = 20
UNIT_YEARS = 10
CRL_DAYS = 365
CRL_RENEW_BEFORE = timedelta(days=30)
# Certificates start a day early: a demo clock moved back a little (`thidua clock`) still finds them valid.
BACKDATE = timedelta(days=1)
UNIT_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


NAME_ATTRIBUTE_BYTES = 64


@dataclass(frozen=True)
class IssuingUnit:
    code: str
    name: str
    short_name: str = ""

    def certificate_name(self) -> str:
        """The unit's name as its certificate carries it: the full name, or the short one when the full name is
        longer than a certificate's name attribute may be."""
        if len(self.name.encode()) <= NAME_ATTRIBUTE_BYTES:
            return self.name
        return (self.short_name or self.name).encode()[:NAME_ATTRIBUTE_BYTES].decode(errors="ignore")


@dataclass(frozen=True)
class DemoPki:
    """The files of the demo PKI under one var dir."""

    root: Path

    @classmethod
    def of(cls, var_dir: Path) -> DemoPki:
        return cls(var_dir / PKI_DIR)

    @property
    def ca_certificate(self) -> Path:
        return self.root / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key.pem"

    @property
    def crl(self) -> Path:
        return self.root / "ca.crl"

    @property
    def tsa(self) -> Path:
        return self.root / "tsa.p12"

    def unit_key(self, unit_code: str) -> Path:
        return self.root / "units" / f"{unit_code}.p12"

    def exists(self) -> bool:
        return self.ca_certificate.exists() and self.ca_key.exists()


@dataclass(frozen=True)
class PkiReport:
    created_ca: bool
    issued: tuple[str, ...]  # unit codes that got a certificate in this run
    crl_issued: bool

    def summary(self) -> str:
        parts = ["demo CA created" if self.created_ca else "demo CA kept"]
        parts.append(f"{len(self.issued)} unit certificates issued" if self.issued else "unit certificates current")
        if self.crl_issued:
            parts.append("CRL issued")
        return ", ".join(parts)


def issuing_units(data_dir: Path = DATA_DIR) -> list[IssuingUnit]:
    """Every unit that issues decisions or tờ trình: those of the unit tree with a decision suffix (not the CĐCS), and
    those the shipped reorganisation files create (e.g. the 2025 ward unions)."""
    units = {u.code: IssuingUnit(u.code, u.name, u.short_name) for u in load_units(data_dir / "units.toml") if u.decision_suffix}
    for path in sorted((data_dir / "reorganisations").glob("*.toml")):
        with path.open("rb") as f:
            for created in tomllib.load(f).get("create", []):
                if created.get("decision_suffix"):
                    unit = IssuingUnit(created["code"], created["name"], created.get("short_name", ""))
                    units.setdefault(unit.code, unit)
    return list(units.values())


def ensure_demo_pki(var_dir: Path, units: Iterable[IssuingUnit], now: datetime | None = None) -> PkiReport:
    """Create what is missing of the demo PKI under `var_dir`; keep every existing key."""
    now = now or datetime.now(UTC)
    pki = DemoPki.of(var_dir)
    pki.root.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    created_ca = not pki.exists()
    if created_ca:
        _create_ca(pki, now)
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_certificate.read_bytes())
    crl_issued = _ensure_crl(pki, ca_cert, ca_key, now)
    if not pki.tsa.exists():
        _write_pkcs12(pki.tsa, *_issue(ca_cert, ca_key, DEMO_TSA_NAME, DEMO_ORGANISATION, "TSA", now, time_stamping=True))
    issued = []
    for unit in units:
        path = pki.unit_key(unit.code)
        if not UNIT_FILE.fullmatch(unit.code) or path.exists():
            continue
        _write_pkcs12(path, *_issue(ca_cert, ca_key, unit.certificate_name(), unit.certificate_name(), unit.code, now), ca_cert)
        issued.append(unit.code)
    return PkiReport(created_ca=created_ca, issued=tuple(issued), crl_issued=crl_issued)


def is_demo_ca(certificate: x509.Certificate) -> bool:
    organisations = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(a.value == DEMO_ORGANISATION for a in organisations)


def _create_ca(pki: DemoPki, now: datetime) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_CA_NOTE),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    private_file(pki.ca_key).write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pki.ca_certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _ensure_crl(pki: DemoPki, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, now: datetime) -> bool:
    """A CRL (revoking nothing) valid for a year, issued anew a month before its next update."""
    number = 1
    if pki.crl.exists():
        current = x509.load_der_x509_crl(pki.crl.read_bytes())
        next_update = current.next_update_utc
        if current.is_signature_valid(ca_key.public_key()) and next_update is not None and next_update - now > CRL_RENEW_BEFORE:
            return False
        number = current.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pki.crl.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return True


def _issue(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    organisation: str,
    organisational_unit: str,
    now: datetime,
    *,
    time_stamping: bool = False,
) -> tuple[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, x509.Certificate]:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(65537, 2048) if time_stamping else ec.generate_private_key(ec.SECP256R1())
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organisational_unit),
        ]
    )
    distribution = x509.DistributionPoint([x509.UniformResourceIdentifier(DEMO_CRL_URL)], None, None, None)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + timedelta(days=365 * UNIT_YEARS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=not time_stamping), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.CRLDistributionPoints([distribution]), critical=False)
    )
    if time_stamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return key, builder.sign(ca_key, hashes.SHA256())


def _key_usage(
    *, digital_signature: bool = False, content_commitment: bool = False, key_cert_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write_pkcs12(
    path: Path,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    *chain: x509.Certificate,
) -> None:
    data = pkcs12.serialize_key_and_certificates(None, key, certificate, list(chain) or None, serialization.NoEncryption())
    private_file(path).write_bytes(data)
