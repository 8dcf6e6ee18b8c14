"""A unit's key on a PKCS#11 token (a USB token as Vietnamese offices use, or an HSM), through python-pkcs11 and
pyHanko's `PKCS11Signer`.

The token is opened for each signature and closed after it: a token plugged back in works at the next signature, a
certificate renewed on the token is the one used, and no session stays open while nothing is signed. One signature at
a time per token: a PKCS#11 login belongs to the whole process, so two sessions logging in at once would clash. A PIN
the token refused is not tried again while its source (variable or file) still gives the same value: a real token
locks itself after a few wrong PINs, and a signing officer clicking again must not be the one who locks it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pkcs11
from asn1crypto import x509 as asn1_x509
from pkcs11 import exceptions as p11
from pydantic import BaseModel, ConfigDict, model_validator
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.signers import Signer

from shared.platform.pdfsigning.errors import RefusalCode, SigningKeyUnavailable

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Library  # the loaded module's type (`pkcs11.lib` is the function loading one)

ABSENT = (p11.NoSuchToken, p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved, p11.SlotIDInvalid)
WRONG_PIN = (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange)


class Pkcs11Token(BaseModel):
    """Where a unit's key is on a token: `module` (the vendor's PKCS#11 library), the token by `token` label or by
    `slot` id, the private key's label `key` (its certificate's label `cert`, default the same), and where its PIN
    is: the variable `pin_env` or the file `pin_file` (never the PIN itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    module: Path
    token: str | None = None
    slot: int | None = None
    key: str
    cert: str | None = None
    pin_env: str | None = None
    pin_file: Path | None = None

    @model_validator(mode="after")
    def _one_token_and_one_pin(self) -> Pkcs11Token:
        if (self.token is None) == (self.slot is None):
            raise ValueError("pkcs11: name the token by exactly one of `token` (its label) or `slot` (its slot id)")
        if (self.pin_env is None) == (self.pin_file is None):
            raise ValueError("pkcs11: give the PIN by exactly one of `pin_env` (a variable) or `pin_file` (a file)")
        return self

    def resolved(self, base: Path) -> Pkcs11Token:
        """Relative paths taken from the keys file's directory."""
        return self.model_copy(update={"module": base / self.module, "pin_file": base / self.pin_file if self.pin_file else None})

    @property
    def token_name(self) -> str:
        return f"“{self.token}”" if self.token is not None else f"ở khe {self.slot}"


_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def _token_lock(token: Pkcs11Token) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault((str(token.module), token.token_name), threading.Lock())


@dataclass
class TokenKey:
    """A unit's key on a token, opened for one signature at a time (`with key.signer() as signer: …`)."""

    unit_code: str
    token: Pkcs11Token
    environ: Mapping[str, str]
    chain: tuple[asn1_x509.Certificate, ...] = ()  # CA certificates the token may not hold
    _refused_pin: bytes | None = field(default=None, repr=False)

    @contextmanager
    def signer(self) -> Iterator[Signer]:
        pin = self._pin()
        with _token_lock(self.token):
            session = self._open(pin)
            try:
                signer = self._signer_on(session)
                try:
                    yield signer
                except p11.PKCS11Error as exc:  # the token removed, or failing, while signing
                    raise self._refused(
                        "token_error", f"token {self.token.token_name} báo lỗi khi ký ({type(exc).__name__}).", retry=True
                    ) from exc
            finally:
                _close(session)

    def _signer_on(self, session: pkcs11.Session) -> PKCS11Signer:
        """pyHanko's signer on the open session, its certificate read and its key found (or `key_not_found`)."""
        signer = PKCS11Signer(
            session,
            cert_label=self.token.cert or self.token.key,
            key_label=self.token.key,
            ca_chain=self.chain,
            other_certs_to_pull=None,  # every certificate on the token: the chain, when it holds it
        )
        try:
            certificate = signer.signing_cert  # loads the objects, or raises
        except p11.PKCS11Error as exc:
            raise self._refused(
                "key_not_found",
                f"không thấy khoá ký “{self.token.key}” hoặc chứng thư của nó trên token {self.token.token_name}.",
            ) from exc
        # Tokens sign EC keys with plain ECDSA over a digest computed here; few offer ECDSA-with-SHA256.
        signer.use_raw_mechanism = certificate.public_key.algorithm == "ec"
        return signer

    def _pin(self) -> str:
        if self.token.pin_env is not None:
            if self.token.pin_env not in self.environ:
                raise self._refused("pin_missing", f"chưa đặt biến môi trường {self.token.pin_env} chứa mã PIN của token.")
            pin = self.environ[self.token.pin_env]
        else:
            assert self.token.pin_file is not None
            try:
                pin = self.token.pin_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise self._refused("pin_missing", f"không đọc được tệp mã PIN {self.token.pin_file}.") from exc
        if self._refused_pin is not None and _digest(pin) == self._refused_pin:
            raise self._wrong_pin()
        return pin

    def _open(self, pin: str) -> pkcs11.Session:
        try:
            library = pkcs11.lib(str(self.token.module))
        except p11.PKCS11Error as exc:
            raise self._refused(
                "pkcs11_module_not_found",
                f"không tải được thư viện PKCS#11 {self.token.module} (chưa cài trình điều khiển của token?).",
            ) from exc
        try:
            token = self._find(library)
            return token.open(user_pin=pin)
        except WRONG_PIN as exc:
            self._refused_pin = _digest(pin)
            raise self._wrong_pin() from exc
        except p11.PinLocked as exc:
            raise self._refused(
                "pin_locked", f"token {self.token.token_name} đã bị khoá do nhập sai mã PIN quá số lần cho phép."
            ) from exc
        except ABSENT as exc:
            raise self._absent() from exc
        except p11.PKCS11Error as exc:
            raise self._refused(
                "token_error", f"token {self.token.token_name} báo lỗi khi mở ({type(exc).__name__}).", retry=True
            ) from exc

    def _find(self, library: Library) -> pkcs11.Token:
        if self.token.token is not None:
            return library.get_token(token_label=self.token.token)
        for slot in library.get_slots(token_present=True):
            if slot.slot_id == self.token.slot:
                return slot.get_token()
        raise p11.NoSuchToken(f"no token in slot {self.token.slot}")

    def _absent(self) -> SigningKeyUnavailable:
        return self._refused(
            "token_absent",
            f"không thấy token ký số {self.token.token_name}: hãy cắm token vào máy chủ ký rồi ký lại.",
            retry=True,
        )

    def _wrong_pin(self) -> SigningKeyUnavailable:
        where = f"biến {self.token.pin_env}" if self.token.pin_env else f"tệp {self.token.pin_file}"
        return self._refused(
            "wrong_pin",
            f"mã PIN của token {self.token.token_name} không đúng. Hệ thống không thử lại mã này (để token không bị "
            f"khoá); quản trị hệ thống cần sửa mã PIN trong {where}.",
        )

    def _refused(self, code: RefusalCode, reason: str, *, retry: bool = False) -> SigningKeyUnavailable:
        return SigningKeyUnavailable(self.unit_code, code, reason, retryable=retry)


def _close(session: pkcs11.Session) -> None:
    with suppress(p11.PKCS11Error):  # the token went away with its session: nothing is left to close
        session.close()


def _digest(pin: str) -> bytes:
    return hashlib.sha256(pin.encode()).digest()
