"""The demo PKI `thidua migrate` makes under var/pki: a CA that says it is a demo, a CRL, and one key per unit that
issues documents; a second run keeps every key, a unit added later gets its own, and nothing of it can be committed."""

from __future__ import annotations

import stat
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from shared.platform.pdfsigning import DemoPki, IssuingUnit, ensure_demo_pki, is_demo_ca, issuing_units
from tests.signing_world import HANOI, SONTAY

REPO = Path(__file__).resolve().parents[2]


def certificate_of(pki: DemoPki, unit_code: str) -> x509.Certificate:
    _, cert, _ = pkcs12.load_key_and_certificates(pki.unit_key(unit_code).read_bytes(), None)
    assert cert is not None
    return cert


def name_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    return str(name.get_attributes_for_oid(oid)[0].value)


def test_the_units_that_issue_documents_get_keys_and_the_grassroots_unions_do_not() -> None:
    codes = {u.code for u in issuing_units()}
    assert {"TLD", "HN", "HN-SONTAY", "HN-THANHXUAN", "HN-CDVC"} <= codes
    assert {"HN-P-THANHXUAN", "HN-P-KHUONGDINH"} <= codes  # created by the shipped 2025 reorganisation
    assert {"HN-HADONG", "HN-LONGBIEN", "HN-P-SONTAY", "HN-P-HADONG", "HN-X-MYDUC", "HN-X-DONGANH"} <= codes  # every file
    assert "HN-SONTAY-DST" not in codes
    assert "HN-HADONG-VANQUAN" not in codes


def test_the_ca_says_it_is_a_demo_and_each_unit_certificate_names_its_unit(tmp_path: Path) -> None:
    report = ensure_demo_pki(tmp_path, [SONTAY, HANOI])
    assert report.created_ca
    assert report.issued == ("HN-SONTAY", "HN")
    assert report.crl_issued
    pki = DemoPki.of(tmp_path)
    ca = x509.load_pem_x509_certificate(pki.ca_certificate.read_bytes())
    assert is_demo_ca(ca)
    assert "DEMO" in name_attribute(ca.subject, NameOID.COMMON_NAME)
    assert "Không có giá trị pháp lý" in name_attribute(ca.subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    cert = certificate_of(pki, "HN-SONTAY")
    assert name_attribute(cert.subject, NameOID.COMMON_NAME) == "Liên đoàn Lao động thị xã Sơn Tây"
    assert name_attribute(cert.subject, NameOID.ORGANIZATION_NAME) == "Liên đoàn Lao động thị xã Sơn Tây"
    assert name_attribute(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME) == "HN-SONTAY"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not usage.key_cert_sign
    assert cert.issuer == ca.subject
    crl = x509.load_der_x509_crl(pki.crl.read_bytes())
    ca_key = ca.public_key()
    assert isinstance(ca_key, ec.EllipticCurvePublicKey)
    assert crl.is_signature_valid(ca_key)
    assert len(list(crl)) == 0


def test_a_second_run_keeps_every_key_and_a_unit_added_later_gets_its_own(tmp_path: Path) -> None:
    ensure_demo_pki(tmp_path, [SONTAY])
    pki = DemoPki.of(tmp_path)
    before = {p: p.read_bytes() for p in pki.root.rglob("*") if p.is_file()}
    again = ensure_demo_pki(tmp_path, [SONTAY])
    assert not again.created_ca
    assert again.issued == ()
    assert not again.crl_issued
    assert {p: p.read_bytes() for p in pki.root.rglob("*") if p.is_file()} == before
    later = ensure_demo_pki(tmp_path, [SONTAY, HANOI])
    assert later.issued == ("HN",)
    assert pki.unit_key("HN").exists()
    assert pki.unit_key("HN-SONTAY").read_bytes() == before[pki.unit_key("HN-SONTAY")]


def test_a_crl_close_to_its_next_update_is_issued_anew_with_the_next_number(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ensure_demo_pki(tmp_path, [SONTAY], now=now)
    renewed = ensure_demo_pki(tmp_path, [SONTAY], now=now + timedelta(days=340))
    assert renewed.crl_issued
    crl = x509.load_der_x509_crl(DemoPki.of(tmp_path).crl.read_bytes())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2


def test_private_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    ensure_demo_pki(tmp_path, [SONTAY])
    pki = DemoPki.of(tmp_path)
    for path in (pki.ca_key, pki.tsa, pki.unit_key("HN-SONTAY")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(pki.root.stat().st_mode) == 0o700


def test_the_demo_pki_under_var_is_never_committed() -> None:
    for path in ("var/pki/ca.key.pem", "var/pki/units/HN.p12", "var/pki/tsa.p12"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False).returncode == 0, path


def test_sixty_units_take_well_under_a_second_so_migrate_stays_quick(tmp_path: Path) -> None:
    units = [IssuingUnit(f"UNIT-{i}", f"Liên đoàn Lao động số {i}") for i in range(60)]
    started = time.perf_counter()
    assert len(ensure_demo_pki(tmp_path, units).issued) == 60
    assert time.perf_counter() - started < 3  # ~0.2 s here (EC P-256); generous for a shared machine


def test_a_name_too_long_for_a_certificate_uses_the_short_name(tmp_path: Path) -> None:
    long = IssuingUnit("HN-DAI", "Công đoàn Tổng Công ty Đầu tư và Phát triển nhà và đô thị Hà Nội", "CĐ Tổng Cty HANDICO")
    ensure_demo_pki(tmp_path, [long])
    cert = certificate_of(DemoPki.of(tmp_path), "HN-DAI")
    assert name_attribute(cert.subject, NameOID.COMMON_NAME) == "CĐ Tổng Cty HANDICO"
