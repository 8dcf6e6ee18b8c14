"""Production signatures stamped by the configured time-stamping authority (THIDUA_TSA_URL), over real HTTP to a TSA
on 127.0.0.1: a PKCS#12 key and a token key both sign at B-LT with the authority's timestamp, which the verifier and
`pdfsig` accept; an authority down, or refusing the credentials, refuses the signature as retryable and the draft
waits, signed once the authority answers again. Without an authority, a signature says its time is the signer's claim."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from pydantic import SecretStr

from services.awards.usecases import issuing, signers, signing
from shared.contracts.errors import Conflict
from shared.contracts.operations.awards import DraftById, SignDraft
from shared.platform.pdfsigning import (
    DemoPki,
    SignedPdf,
    SigningKeys,
    TimestampUnavailable,
    sign_pdf,
    trust_roots,
    verify_pdf,
)
from shared.platform.pdfverdicts import details
from shared.platform.settings import ServiceSettings
from tests.fakes.awards import fake_awards
from tests.integration.test_signing_tokens import with_signer
from tests.signing_world import SONTAY, decision_pdf, make_pki
from tests.softhsm import KEY_LABEL, SoftHsm
from tests.timestamp_server import local_tsa
from tests.unit.factories import TREE
from tests.unit.test_signers import CHAIR_ACCOUNT, NOW, UNIT_ADMIN, add, approval

CREDENTIALS = ("thidua", "mat-khau-tsa")


@pytest.fixture
def ca(tmp_path: Path) -> DemoPki:
    """The CA of Sơn Tây's certificate and of the time-stamping authority (a demo CA made in the test)."""
    make_pki(tmp_path / "ca", SONTAY)
    return DemoPki.of(tmp_path / "ca")


def pkcs12_keys(tmp_path: Path, ca: DemoPki) -> Path:
    """Sơn Tây's key as a CA hands it over (PKCS#12 with a passphrase), and the keys file naming it."""
    key, cert, chain = pkcs12.load_key_and_certificates(ca.unit_key("HN-SONTAY").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    protected = serialization.BestAvailableEncryption(b"bi-mat")
    (tmp_path / "hn-sontay.p12").write_bytes(pkcs12.serialize_key_and_certificates(b"k", key, cert, chain, protected))
    path = tmp_path / "signing-keys.toml"
    path.write_text(
        '[units.HN-SONTAY]\npkcs12 = "hn-sontay.p12"\npassphrase_env = "THIDUA_KEY_SONTAY"\ncrls = ["ca/pki/ca.crl"]\n'
    )
    return path


def environment(keys_file: Path, tsa_url: str) -> dict[str, str]:
    return {
        "THIDUA_SIGNING_KEYS": str(keys_file),
        "THIDUA_KEY_SONTAY": "bi-mat",
        "THIDUA_TSA_URL": tsa_url,
        "THIDUA_TSA_USERNAME": CREDENTIALS[0],
        "THIDUA_TSA_PASSWORD": CREDENTIALS[1],
    }


def sign(keys: SigningKeys) -> SignedPdf:
    key = keys.key_for("HN-SONTAY")
    return asyncio.run(sign_pdf(decision_pdf(), key, signer_name="Đỗ Văn Minh", reason="Ký ban hành", location="Sơn Tây"))


def assert_stamped_by_the_authority(signed: SignedPdf, tmp_path: Path) -> None:
    assert (signed.level, signed.validation_info) == ("B-LT", True)
    verification = verify_pdf(signed.data, trust_roots(tmp_path / "ca", ""))
    assert verification.valid, verification.problems
    (check,) = verification.signatures
    assert check.timestamp is not None
    assert check.level == "B-LT"
    told = dict(details(check))
    assert "Dấu thời gian" in told
    assert "tự khai" not in told["Thời điểm ký"]
    assert told["Mức chữ ký"].startswith("PAdES B-LT")
    assert shutil.which("pdfsig"), "pdfsig (poppler-utils) is installed by `make test`"
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(signed.data)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Signature Validation: Signature is Valid." in report


def test_a_pkcs12_key_signs_at_b_lt_with_the_configured_authoritys_timestamp(tmp_path: Path, ca: DemoPki) -> None:
    with local_tsa(tmp_path / "ca", CREDENTIALS) as tsa:
        signed = sign(SigningKeys.from_environment(environment(pkcs12_keys(tmp_path, ca), tsa.url)))
    assert tsa.stamped >= 1
    assert tsa.refused == []
    assert_stamped_by_the_authority(signed, tmp_path)


def test_a_token_key_signs_at_b_lt_with_the_configured_authoritys_timestamp(
    tmp_path: Path, ca: DemoPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    hsm = SoftHsm.under(tmp_path / "softhsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(hsm.conf))
    hsm.put_token("HN-SONTAY", "246810", ca.unit_key("HN-SONTAY"))
    keys_file = tmp_path / "signing-keys.toml"
    keys_file.write_text(
        f'[units.HN-SONTAY]\npkcs11 = {{ module = "{hsm.module}", token = "HN-SONTAY", key = "{KEY_LABEL}", '
        'pin_env = "THIDUA_PIN_SONTAY" }\ncrls = ["ca/pki/ca.crl"]\n'
    )
    with local_tsa(tmp_path / "ca") as tsa:
        signed = sign(SigningKeys.from_environment({**environment(keys_file, tsa.url), "THIDUA_PIN_SONTAY": "246810"}))
    assert tsa.stamped >= 1
    assert_stamped_by_the_authority(signed, tmp_path)


def test_an_authority_of_another_ca_stamps_at_b_t_and_at_b_lt_once_its_ca_and_crl_are_listed(
    tmp_path: Path, ca: DemoPki, caplog: pytest.LogCaptureFixture
) -> None:
    make_pki(tmp_path / "tsa-ca", SONTAY)
    keys_file = pkcs12_keys(tmp_path, ca)
    with local_tsa(tmp_path / "tsa-ca") as tsa:
        signed = sign(SigningKeys.from_environment(environment(keys_file, tsa.url)))
        assert (signed.level, signed.validation_info) == ("B-T", False)  # its chain cannot be validated offline
        assert "document.validation_info_unavailable" in caplog.messages
        (check,) = verify_pdf(signed.data, trust_roots(tmp_path / "ca", "")).signatures
        assert (check.level, check.timestamp_trusted) == ("B-T", False)
        assert dict(details(check))["Dấu thời gian"].endswith("(tổ chức cấp dấu thời gian không thuộc danh sách tin cậy)")

        keys_file.write_text(  # the same unit, now with the authority's CA and its CRL listed
            '[units.HN-SONTAY]\npkcs12 = "hn-sontay.p12"\npassphrase_env = "THIDUA_KEY_SONTAY"\n'
            'chain = ["tsa-ca/pki/ca.pem"]\ncrls = ["ca/pki/ca.crl", "tsa-ca/pki/ca.crl"]\n'
        )
        signed = sign(SigningKeys.from_environment(environment(keys_file, tsa.url)))
    assert (signed.level, signed.validation_info) == ("B-LT", True)
    roots = trust_roots(None, f"{ca.ca_certificate}:{DemoPki.of(tmp_path / 'tsa-ca').ca_certificate}")
    (check,) = verify_pdf(signed.data, roots).signatures
    assert (check.level, check.timestamp_trusted, check.trusted) == ("B-LT", True, True)


def test_an_authority_that_does_not_answer_refuses_the_signature_as_retryable(tmp_path: Path, ca: DemoPki) -> None:
    with local_tsa(tmp_path / "ca") as gone:
        pass  # its port is closed again: nothing listens there
    keys = SigningKeys.from_environment(environment(pkcs12_keys(tmp_path, ca), gone.url))
    with pytest.raises(TimestampUnavailable) as refused:
        sign(keys)
    assert (refused.value.code, refused.value.retryable, refused.value.unit_code) == (
        "timestamp_unavailable",
        True,
        "HN-SONTAY",
    )
    assert gone.url in refused.value.message
    assert "văn bản chưa được ký" in refused.value.message


def test_credentials_the_authority_refuses_refuse_the_signature(tmp_path: Path, ca: DemoPki) -> None:
    with local_tsa(tmp_path / "ca", ("thidua", "mat-khau-khac")) as tsa, pytest.raises(TimestampUnavailable):
        sign(SigningKeys.from_environment(environment(pkcs12_keys(tmp_path, ca), tsa.url)))
    assert tsa.refused
    assert set(tsa.refused) == {401}
    assert tsa.stamped == 0


@pytest.mark.asyncio
async def test_a_draft_refused_for_an_authority_down_stays_waiting_and_is_signed_once_it_answers(
    tmp_path: Path, ca: DemoPki
) -> None:
    with local_tsa(tmp_path / "ca", CREDENTIALS) as tsa:
        keys = SigningKeys.from_environment(environment(pkcs12_keys(tmp_path, ca), tsa.url))
        awards = with_signer(fake_awards(TREE, now=NOW, base_salary_vnd=2_340_000), keys)
        await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
        await issuing.on_approved(awards.context, approval())
        [draft] = awards.store.register.drafts.values()
        tsa.down = True

        with pytest.raises(Conflict) as refused:
            await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))

        assert refused.value.code == "timestamp_unavailable"
        assert "Dự thảo vẫn chờ ký" in refused.value.title
        assert awards.store.all_decisions() == []
        view = await signing.get_draft(awards.context, CHAIR_ACCOUNT, DraftById(id=draft.id))
        assert view.status == "awaiting_signature"

        tsa.down = False
        signed = await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))
    assert [s.number_text for s in signed.signed] == ["1/QĐ-LĐLĐ"]
    kept = awards.store.register.signed_files[signed.signed[0].id]
    (check,) = verify_pdf(kept, trust_roots(tmp_path / "ca", "")).signatures
    assert check.timestamp is not None


def test_a_services_settings_name_the_authority_and_its_credentials(tmp_path: Path, ca: DemoPki) -> None:
    """THIDUA_TSA_URL, THIDUA_TSA_USERNAME, THIDUA_TSA_PASSWORD as a service reads them (ServiceSettings)."""
    with local_tsa(tmp_path / "ca", CREDENTIALS) as tsa:
        settings = ServiceSettings(
            service="awards",
            signing_keys=pkcs12_keys(tmp_path, ca),
            tsa_url=tsa.url,
            tsa_username=CREDENTIALS[0],
            tsa_password=SecretStr(CREDENTIALS[1]),
        )
        signed = sign(SigningKeys.from_settings(settings, {"THIDUA_KEY_SONTAY": "bi-mat"}))
    assert (tsa.stamped >= 1, tsa.refused, signed.level) == (True, [], "B-LT")
    assert CREDENTIALS[1] not in repr(settings)
