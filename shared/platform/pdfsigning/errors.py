"""Why a unit cannot sign now: each refusal has a stable `code` for programs and a Vietnamese `message` for the person
who asked to sign (str(error) is the message). Nothing is signed when one is raised, so the caller's transaction rolls
back and the document stays unsigned; `retryable` says whether asking again later may succeed without a change of
configuration (a token plugged back in, a time-stamping authority back up)."""

from __future__ import annotations

from typing import Literal

RefusalCode = Literal[
    "no_signing_key",
    "key_file_unreadable",
    "passphrase_missing",
    "wrong_passphrase",
    "pkcs11_module_not_found",
    "token_absent",
    "pin_missing",
    "wrong_pin",
    "pin_locked",
    "key_not_found",
    "token_error",
    "timestamp_unavailable",
]


class SigningKeyError(Exception):
    """The unit cannot sign now; nothing was signed."""

    code: RefusalCode = "no_signing_key"

    def __init__(self, unit_code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.unit_code = unit_code
        self.message = message
        self.retryable = retryable


class NoSigningKey(SigningKeyError):
    """The unit has no signing key in the configured source."""

    def __init__(self, unit_code: str, source: str) -> None:
        super().__init__(unit_code, f"Đơn vị {unit_code} chưa được cấu hình khoá ký số (nguồn khoá: {source}).")
        self.source = source


class SigningKeyUnavailable(SigningKeyError):
    """The unit has a key that cannot be used now (file, passphrase, token, PIN)."""

    def __init__(self, unit_code: str, code: RefusalCode, reason: str, *, retryable: bool = False) -> None:
        super().__init__(unit_code, f"Khoá ký số của đơn vị {unit_code} chưa dùng được: {reason}", retryable=retryable)
        self.code = code
        self.reason = reason


class TimestampUnavailable(SigningKeyError):
    """The configured time-stamping authority gave no timestamp: the document is not signed without one."""

    code: RefusalCode = "timestamp_unavailable"

    def __init__(self, unit_code: str, url: str) -> None:
        super().__init__(
            unit_code,
            f"Không lấy được dấu thời gian từ dịch vụ cấp dấu thời gian ({url}): văn bản chưa được ký; "
            "hãy ký lại sau ít phút, hoặc báo quản trị hệ thống nếu lỗi kéo dài.",
            retryable=True,
        )
        self.url = url
