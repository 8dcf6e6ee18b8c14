"""A unit's key on a PKCS#11 token (SoftHSM2 standing in for a USB token): a decision signed through the unit's
configured token verifies with the project's verifier and with poppler's `pdfsig`; every way a token can fail
(module missing, token absent, wrong PIN, key not on it) is a refusal with a stable code and Vietnamese words, never a
traceback; and a signing officer whose token is not plugged in finds the draft still waiting, signed once it is."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from services.awards.usecases import issuing, signers, signing
from shared.contracts.errors import Conflict
from shared.contracts.operations.awards import DraftById, SignDraft
from shared.platform.pdfsigning import (
    DemoPki,
    SigningKeys,
    SigningKeyUnavailable,
    UnitSigner,
    sign_pdf,
    trust_roots,
    verify_pdf,
)
from shared.platform.pdfsigning import tokens as token_keys
from tests.fakes.awards import FakeAwards, fake_awards
from tests.signing_world import SONTAY, decision_pdf, make_pki
from tests.softhsm import KEY_LABEL, SoftHsm, rsa_unit_pkcs12
from tests.unit.factories import TREE
from tests.unit.test_signers import CHAIR_ACCOUNT, NOW, UNIT_ADMIN, add, approval

PIN = "246810"


@pytest.fixture
def hsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHsm:
    hsm = SoftHsm.under(tmp_path / "softhsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(hsm.conf))
    hsm.reload()
    return hsm


@pytest.fixture
def ca(tmp_path: Path) -> DemoPki:
    """The CA that issued Sơn Tây's certificate (a demo CA made in the test)."""
    make_pki(tmp_path / "ca", SONTAY)
    return DemoPki.of(tmp_path / "ca")


def keys_file(tmp_path: Path, pkcs11: str) -> Path:
    path = tmp_path / "signing-keys.toml"
    path.write_text(f'[units.HN-SONTAY]\npkcs11 = {{ {pkcs11} }}\ncrls = ["ca/pki/ca.crl"]\n')
    return path


def by_label(module: Path, key: str = KEY_LABEL) -> str:
    return f'module = "{module}", token = "HN-SONTAY", key = "{key}", pin_env = "THIDUA_PIN_SONTAY"'


def sign(keys: SigningKeys) -> bytes:
    key = keys.key_for("HN-SONTAY")
    return asyncio.run(sign_pdf(decision_pdf(), key, signer_name="Đỗ Văn Minh", reason="Ký ban hành", location="Sơn Tây")).data


def refusal(keys: SigningKeys) -> SigningKeyUnavailable:
    with pytest.raises(SigningKeyUnavailable) as refused:
        sign(keys)
    assert refused.value.unit_code == "HN-SONTAY"
    assert refused.value.message.startswith("Khoá ký số của đơn vị HN-SONTAY")
    return refused.value


def test_a_decision_signed_with_the_units_token_verifies_with_the_project_and_with_pdfsig(
    tmp_path: Path, hsm: SoftHsm, ca: DemoPki
) -> None:
    hsm.put_token("HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    keys = SigningKeys.from_file(keys_file(tmp_path, by_label(hsm.module)), {"THIDUA_PIN_SONTAY": PIN})
    key = keys.key_for("HN-SONTAY")
    signed = asyncio.run(sign_pdf(decision_pdf(), key, signer_name="Đỗ Văn Minh", reason="Ký ban hành", location="Sơn Tây"))

    assert (signed.level, signed.validation_info) == ("B-B", True)  # the CA's certificate came from the token
    verification = verify_pdf(signed.data, trust_roots(tmp_path / "ca", ""))
    assert verification.valid, verification.problems
    (check,) = verification.signatures
    assert (check.signer_unit_code, check.signer_name) == ("HN-SONTAY", "Đỗ Văn Minh")
    assert check.signer_common_name == "Liên đoàn Lao động thị xã Sơn Tây"
    assert shutil.which("pdfsig"), "pdfsig (poppler-utils) is installed by `make test`"
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(signed.data)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Signature Validation: Signature is Valid." in report
    assert "Liên đoàn Lao động thị xã Sơn Tây" in report


def test_an_rsa_key_on_the_token_signs_as_the_tokens_vietnamese_cas_issue_do(tmp_path: Path, hsm: SoftHsm, ca: DemoPki) -> None:
    hsm.put_token("HN-SONTAY", PIN, rsa_unit_pkcs12(ca, SONTAY, tmp_path / "rsa.p12"))
    signed = sign(SigningKeys.from_file(keys_file(tmp_path, by_label(hsm.module)), {"THIDUA_PIN_SONTAY": PIN}))
    verification = verify_pdf(signed, trust_roots(tmp_path / "ca", ""))
    assert verification.valid, verification.problems
    assert verification.signatures[0].signer_unit_code == "HN-SONTAY"


def test_the_token_may_be_named_by_its_slot_and_the_pin_read_from_a_file(tmp_path: Path, hsm: SoftHsm, ca: DemoPki) -> None:
    slot = hsm.put_token("HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    (tmp_path / "pin").write_text(PIN + "\n")  # a trailing newline, as an editor leaves it
    config = keys_file(tmp_path, f'module = "{hsm.module}", slot = {slot}, key = "{KEY_LABEL}", pin_file = "pin"')
    signed = sign(SigningKeys.from_file(config, {}))
    assert verify_pdf(signed, trust_roots(tmp_path / "ca", "")).valid


def test_a_module_that_is_not_there_is_refused_naming_it(tmp_path: Path, hsm: SoftHsm, ca: DemoPki) -> None:
    config = keys_file(tmp_path, by_label(tmp_path / "vendor" / "libtoken.so"))
    refused = refusal(SigningKeys.from_file(config, {"THIDUA_PIN_SONTAY": PIN}))
    assert refused.code == "pkcs11_module_not_found"
    assert "libtoken.so" in refused.message
    assert not refused.retryable


def test_an_absent_token_is_refused_as_absent_and_signs_once_plugged_in(tmp_path: Path, hsm: SoftHsm, ca: DemoPki) -> None:
    keys = SigningKeys.from_file(keys_file(tmp_path, by_label(hsm.module)), {"THIDUA_PIN_SONTAY": PIN})
    refused = refusal(keys)
    assert refused.code == "token_absent"
    assert refused.retryable
    assert "hãy cắm token" in refused.message

    hsm.put_token("HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    assert verify_pdf(sign(keys), trust_roots(tmp_path / "ca", "")).valid  # the same keys, asked again
    hsm.unplug("HN-SONTAY")
    assert refusal(keys).code == "token_absent"


def test_a_wrong_pin_is_refused_and_not_tried_on_the_token_again_until_it_changes(
    tmp_path: Path, hsm: SoftHsm, ca: DemoPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    hsm.put_token("HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    (tmp_path / "pin").write_text("000000")
    config = keys_file(tmp_path, f'module = "{hsm.module}", token = "HN-SONTAY", key = "{KEY_LABEL}", pin_file = "pin"')
    keys = SigningKeys.from_file(config, {})
    logins: list[str] = []
    open_token = token_keys.TokenKey._open

    def counted(self: token_keys.TokenKey, pin: str) -> object:
        logins.append(pin)
        return open_token(self, pin)

    monkeypatch.setattr(token_keys.TokenKey, "_open", counted)

    first = refusal(keys)
    assert (first.code, first.retryable) == ("wrong_pin", False)
    assert "không thử lại" in first.message
    assert refusal(keys).code == "wrong_pin"
    assert logins == ["000000"]  # the second attempt never reached the token: a real one locks after a few

    (tmp_path / "pin").write_text(PIN)  # the administrator corrects the PIN file; no restart
    assert verify_pdf(sign(keys), trust_roots(tmp_path / "ca", "")).valid
    assert logins == ["000000", PIN]


def test_a_pin_variable_that_is_not_set_is_refused_naming_it(tmp_path: Path, hsm: SoftHsm, ca: DemoPki) -> None:
    hsm.put_token("HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    refused = refusal(SigningKeys.from_file(keys_file(tmp_path, by_label(hsm.module)), {}))
    assert refused.code == "pin_missing"
    assert "THIDUA_PIN_SONTAY" in refused.message


def test_a_key_label_that_is_not_on_the_token_is_key_not_found(tmp_path: Path, hsm: SoftHsm, ca: DemoPki) -> None:
    hsm.put_token("HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    config = keys_file(tmp_path, by_label(hsm.module, key="ky-cu"))
    refused = refusal(SigningKeys.from_file(config, {"THIDUA_PIN_SONTAY": PIN}))
    assert refused.code == "key_not_found"
    assert "ky-cu" in refused.message


@pytest.mark.asyncio
async def test_a_signing_officer_without_the_token_finds_the_draft_still_waiting_and_signs_it_once_plugged_in(
    tmp_path: Path, hsm: SoftHsm, ca: DemoPki
) -> None:
    keys = SigningKeys.from_file(keys_file(tmp_path, by_label(hsm.module)), {"THIDUA_PIN_SONTAY": PIN})
    awards = with_signer(fake_awards(TREE, now=NOW, base_salary_vnd=2_340_000), keys)
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    await issuing.on_approved(awards.context, approval())
    [draft] = awards.store.register.drafts.values()

    with pytest.raises(Conflict) as refused:
        await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))

    assert refused.value.code == "token_absent"
    assert "hãy cắm token" in refused.value.title
    assert "Dự thảo vẫn chờ ký" in refused.value.title
    assert awards.store.all_decisions() == []
    view = await signing.get_draft(awards.context, CHAIR_ACCOUNT, DraftById(id=draft.id))
    assert (view.status, view.can_sign) == ("awaiting_signature", True)

    await asyncio.to_thread(hsm.put_token, "HN-SONTAY", PIN, ca.unit_key("HN-SONTAY"))
    signed = await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))
    assert signed.status == "signed"
    assert [s.number_text for s in signed.signed] == ["1/QĐ-LĐLĐ"]  # the refused attempt took no number
    kept = awards.store.register.signed_files[signed.signed[0].id]
    assert verify_pdf(kept, trust_roots(tmp_path / "ca", "")).valid


def with_signer(awards: FakeAwards, keys: SigningKeys) -> FakeAwards:
    """The fake awards signing with real keys (pyHanko), not the recording signer."""
    awards.context = awards.context.__class__(**{**awards.context.__dict__, "signer": UnitSigner(keys)})
    return awards
