"""Signing an issued document and verifying it: the round trip with a CA made in the test, every way a file can fail
the check (changed, added to, signed by someone untrusted, not signed, not a PDF, damaged, encrypted), poppler's
`pdfsig` agreeing with the signature, and where a unit's key comes from (demo CA, a production TOML file)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader, PdfWriter

from shared.platform.pdfsigning import (
    DemoPki,
    NoSigningKey,
    SigningKeys,
    SigningKeyUnavailable,
    ensure_demo_pki,
    sign_pdf,
    sign_pdf_now,
    trust_roots,
    verify_pdf,
)
from shared.platform.pdfverdicts import details
from tests.signing_world import (
    SONTAY,
    decision_pdf,
    make_pki,
    signed_decision,
    with_one_byte_changed,
    with_text_added,
)


def codes(data: bytes, roots: list[x509.Certificate]) -> list[str]:
    return [p.code for p in verify_pdf(data, roots).problems]


def test_a_decision_signed_by_its_unit_verifies_with_who_signed_and_when(tmp_path: Path) -> None:
    make_pki(tmp_path)
    signed = signed_decision(tmp_path)
    verification = verify_pdf(signed.data, trust_roots(tmp_path, ""))
    assert verification.valid
    assert verification.signed
    assert verification.problems == []
    (check,) = verification.signatures
    assert check.intact
    assert check.valid
    assert check.trusted
    assert check.covers_whole_file
    assert check.signer_common_name == check.signer_organisation == "Liên đoàn Lao động thị xã Sơn Tây"
    assert check.signer_unit_code == "HN-SONTAY"
    assert check.signer_name == "Nguyễn Văn Hùng"
    assert check.reason == "Ban hành quyết định khen thưởng"
    assert check.signed_at is not None
    assert check.timestamp is not None
    assert check.timestamp_trusted  # the demo TSA's token: intact, valid and from the demo CA (keys.DemoTimeStamper)
    assert check.demo_ca
    assert check.trust_root is not None
    assert "DEMO" in check.trust_root


def test_a_file_is_verified_alike_from_inside_a_running_event_loop(tmp_path: Path) -> None:
    """pyHanko's checks run an event loop of their own: called from a coroutine they once failed and read as an invalid
    signature. A valid file is valid wherever it is checked."""
    make_pki(tmp_path)
    signed = signed_decision(tmp_path)

    async def from_a_coroutine() -> bool:
        return verify_pdf(signed.data, trust_roots(tmp_path, "")).valid

    assert asyncio.run(from_a_coroutine())


def test_a_demo_key_signs_at_b_lt_with_the_chain_and_the_crl_in_the_document(tmp_path: Path) -> None:
    make_pki(tmp_path)
    signed = signed_decision(tmp_path)
    assert signed.level == "B-LT"
    assert signed.validation_info
    dss = PdfFileReader(BytesIO(signed.data)).root["/DSS"]
    assert len(dss["/Certs"]) >= 2
    assert len(dss["/CRLs"]) == 1
    (check,) = verify_pdf(signed.data, trust_roots(tmp_path, "")).signatures
    assert check.coverage == "entire_revision"
    assert check.modifications == "validation_info"
    assert check.level == "B-LT"


def test_a_crl_past_its_next_update_signs_without_validation_info_and_logs_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ensure_demo_pki(tmp_path, [SONTAY], now=datetime.now(UTC) - timedelta(days=400))  # its CRL ran out 35 days ago
    key = SigningKeys.demo(tmp_path).key_for("HN-SONTAY")
    signed = sign_pdf_now(decision_pdf(), key, signer_name="A", reason="B", location="C")
    assert signed.level == "B-T"
    assert not signed.validation_info
    assert "document.validation_info_unavailable" in caplog.messages
    assert verify_pdf(signed.data, trust_roots(tmp_path, "")).valid


def test_pdfsig_finds_the_signature_valid(tmp_path: Path) -> None:
    assert shutil.which("pdfsig"), "pdfsig (poppler-utils) is installed by `make test`"
    make_pki(tmp_path)
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(signed_decision(tmp_path).data)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Signature Validation: Signature is Valid." in report
    assert "ETSI.CAdES.detached" in report  # the PAdES subfilter
    assert "Liên đoàn Lao động thị xã Sơn Tây" in report


def test_one_byte_changed_inside_the_signed_range_is_altered(tmp_path: Path) -> None:
    make_pki(tmp_path)
    changed = with_one_byte_changed(signed_decision(tmp_path).data)
    verification = verify_pdf(changed, trust_roots(tmp_path, ""))
    assert not verification.valid
    assert not verification.signatures[0].intact
    assert [p.code for p in verification.problems] == ["altered"]


def test_text_added_after_signing_is_a_modification_after_signing(tmp_path: Path) -> None:
    make_pki(tmp_path)
    verification = verify_pdf(with_text_added(signed_decision(tmp_path).data), trust_roots(tmp_path, ""))
    (check,) = verification.signatures
    assert check.intact
    assert not check.covers_whole_file
    assert check.modifications == "other"
    assert [p.code for p in verification.problems] == ["modified_after_signing"]


def test_bytes_appended_after_the_end_of_the_file_are_reported(tmp_path: Path) -> None:
    make_pki(tmp_path)
    appended = signed_decision(tmp_path).data + b"\n% them sau khi ky\n"
    assert codes(appended, trust_roots(tmp_path, "")) == ["modified_after_signing"]


def test_a_signature_whose_ca_is_not_trusted_is_untrusted(tmp_path: Path) -> None:
    make_pki(tmp_path / "ours")
    make_pki(tmp_path / "theirs")
    signed = signed_decision(tmp_path / "theirs").data
    assert codes(signed, trust_roots(tmp_path / "ours", "")) == ["untrusted"]
    assert codes(signed, []) == ["untrusted"]
    (check,) = verify_pdf(signed, []).signatures
    assert check.intact
    assert not check.trusted
    assert check.demo_ca  # still recognisably a demo CA's certificate


def test_a_root_listed_in_thidua_trust_roots_is_trusted(tmp_path: Path) -> None:
    make_pki(tmp_path / "issuer")
    listed = str(DemoPki.of(tmp_path / "issuer").ca_certificate)
    signed = signed_decision(tmp_path / "issuer").data
    assert verify_pdf(signed, trust_roots(None, listed)).valid
    assert verify_pdf(signed, trust_roots(tmp_path / "no-pki-here", listed)).valid
    with pytest.raises(FileNotFoundError):  # a listed root that cannot be read is an error, not a shorter trust list
        trust_roots(None, str(tmp_path / "missing.pem"))


def test_an_unsigned_pdf_is_not_signed() -> None:
    verification = verify_pdf(decision_pdf(), [])
    assert not verification.signed
    assert not verification.valid
    assert verification.readable
    assert [p.code for p in verification.problems] == ["not_signed"]


def encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(pdf)))
    writer.encrypt("mat-khau")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda signed: b"", "not_a_pdf"),
        (lambda signed: b"PK\x03\x04 a zip file, not a document", "not_a_pdf"),
        (lambda signed: b"%PDF-1.7\n\x00\xff garbage", "unreadable"),
        (lambda signed: signed[: len(signed) // 2], "unreadable"),
        (encrypted, "encrypted"),
    ],
    ids=["empty", "zip", "garbage-after-header", "truncated", "encrypted"],
)
def test_a_file_that_cannot_be_checked_gives_a_problem_never_an_exception(tmp_path: Path, make: object, code: str) -> None:
    make_pki(tmp_path)
    signed = signed_decision(tmp_path).data
    assert callable(make)
    verification = verify_pdf(make(signed), trust_roots(tmp_path, ""))
    assert [p.code for p in verification.problems] == [code]
    assert not verification.valid
    assert not verification.readable
    assert verification.problems[0].message  # Vietnamese, for a person


def test_signing_runs_in_a_worker_thread_while_the_event_loop_goes_on(tmp_path: Path) -> None:
    key = make_pki(tmp_path).key_for("HN-SONTAY")

    async def sign_while_ticking() -> int:
        ticks = 0
        signing = asyncio.create_task(sign_pdf(decision_pdf(), key, signer_name="A", reason="B", location="C"))
        while not signing.done():
            ticks += 1
            await asyncio.sleep(0.001)
        await signing
        return ticks

    assert asyncio.run(sign_while_ticking()) > 5


# Where a unit's key comes from


def test_a_unit_without_a_demo_key_is_no_signing_key_naming_it(tmp_path: Path) -> None:
    keys = make_pki(tmp_path, SONTAY)
    with pytest.raises(NoSigningKey) as raised:
        keys.key_for("HN-MYDUC")
    assert raised.value.unit_code == "HN-MYDUC"
    with pytest.raises(NoSigningKey):
        SigningKeys.demo(tmp_path / "no-pki-here").key_for("HN-SONTAY")


def production_pkcs12(tmp_path: Path, passphrase: bytes) -> Path:
    """A unit's key as a CA would hand it over: PKCS#12 with a passphrase, the CA's certificate inside."""
    make_pki(tmp_path / "ca", SONTAY)
    pki = DemoPki.of(tmp_path / "ca")
    key, cert, chain = pkcs12.load_key_and_certificates(pki.unit_key("HN-SONTAY").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert cert is not None
    data = pkcs12.serialize_key_and_certificates(
        b"HN-SONTAY", key, cert, chain, serialization.BestAvailableEncryption(passphrase)
    )
    path = tmp_path / "keys" / "hn-sontay.p12"
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def test_production_keys_from_a_toml_file_sign_at_b_b_with_the_validation_info(tmp_path: Path) -> None:
    production_pkcs12(tmp_path, b"bi-mat")
    crl = DemoPki.of(tmp_path / "ca").crl
    config = tmp_path / "signing-keys.toml"
    config.write_text(
        f'[units.HN-SONTAY]\npkcs12 = "keys/hn-sontay.p12"\npassphrase_env = "THIDUA_KEY_SONTAY"\ncrls = ["{crl}"]\n'
    )
    keys = SigningKeys.from_environment({"THIDUA_SIGNING_KEYS": str(config), "THIDUA_KEY_SONTAY": "bi-mat"})
    signed = asyncio.run(sign_pdf(decision_pdf(), keys.key_for("HN-SONTAY"), signer_name="A", reason="B", location="C"))
    assert signed.level == "B-B"
    assert signed.validation_info  # no time-stamping authority outside the demo
    verification = verify_pdf(signed.data, trust_roots(tmp_path / "ca", ""))
    assert verification.valid
    (check,) = verification.signatures
    assert check.timestamp is None
    assert check.level == "B-B"
    told = dict(details(check))
    assert told["Thời điểm ký"].endswith("(do người ký tự khai)")
    assert told["Mức chữ ký"].startswith("PAdES B-B: không có dấu thời gian")
    with pytest.raises(NoSigningKey):
        keys.key_for("HN")


def test_a_production_key_without_its_passphrase_is_unavailable_naming_the_unit(tmp_path: Path) -> None:
    production_pkcs12(tmp_path, b"bi-mat")
    config = tmp_path / "signing-keys.toml"
    config.write_text('[units.HN-SONTAY]\npkcs12 = "keys/hn-sontay.p12"\npassphrase_env = "THIDUA_KEY_SONTAY"\n')
    with pytest.raises(SigningKeyUnavailable, match=r"HN-SONTAY.*THIDUA_KEY_SONTAY") as missing:
        SigningKeys.from_file(config, {}).key_for("HN-SONTAY")
    assert (missing.value.code, missing.value.unit_code) == ("passphrase_missing", "HN-SONTAY")
    with pytest.raises(SigningKeyUnavailable, match=r"HN-SONTAY.*sai mật khẩu") as wrong:
        SigningKeys.from_file(config, {"THIDUA_KEY_SONTAY": "sai"}).key_for("HN-SONTAY")
    assert wrong.value.code == "wrong_passphrase"


@pytest.mark.parametrize(
    ("pkcs11", "complaint"),
    [
        ('{ module = "m.so", key = "ky", pin_env = "PIN" }', "exactly one of `token`"),
        ('{ module = "m.so", token = "HN", slot = 1, key = "ky", pin_env = "PIN" }', "exactly one of `token`"),
        ('{ module = "m.so", token = "HN", key = "ky" }', "exactly one of `pin_env`"),
        ('{ module = "m.so", token = "HN", key = "ky", pin = "123456" }', "pin"),  # the PIN itself is no setting
    ],
    ids=["no-token", "token-and-slot", "no-pin-source", "pin-in-the-file"],
)
def test_a_pkcs11_entry_names_one_token_and_one_pin_source_and_never_the_pin(tmp_path: Path, pkcs11: str, complaint: str) -> None:
    config = tmp_path / "signing-keys.toml"
    config.write_text(f"[units.HN]\npkcs11 = {pkcs11}\n")
    with pytest.raises(ValueError, match=complaint):
        SigningKeys.from_file(config, {})


def test_a_malformed_keys_file_is_refused_when_read(tmp_path: Path) -> None:
    config = tmp_path / "signing-keys.toml"
    config.write_text('[units.HN]\npkcs12_file = "typo.p12"\n')
    with pytest.raises(ValueError, match="THIDUA_SIGNING_KEYS"):
        SigningKeys.from_file(config, {})


def test_without_thidua_signing_keys_the_demo_ca_of_the_var_dir_signs(tmp_path: Path) -> None:
    make_pki(tmp_path)
    keys = SigningKeys.from_environment({"THIDUA_VAR_DIR": str(tmp_path)})
    assert keys.key_for("HN").demo
    signed = sign_pdf_now(decision_pdf(), keys.key_for("HN"), signer_name="A", reason="B", location="C")
    assert signed.signer_common_name == "Liên đoàn Lao động Thành phố Hà Nội"


def test_signing_and_checking_take_well_under_a_second(tmp_path: Path) -> None:
    key = make_pki(tmp_path).key_for("HN-SONTAY")
    started = time.perf_counter()
    signed = asyncio.run(sign_pdf(decision_pdf(), key, signer_name="A", reason="B", location="C"))
    assert verify_pdf(signed.data, trust_roots(tmp_path, "")).valid
    assert time.perf_counter() - started < 5  # ~0.2 s here; generous for a shared machine
