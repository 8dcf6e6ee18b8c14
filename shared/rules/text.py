"""Text forms shared by every service: search and identity ignore case, spacing and diacritics."""

from __future__ import annotations

import unicodedata


def normalize_name(name: str) -> str:
    """'  Nguyễn  Văn A ' -> 'nguyen van a'."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.casefold().split())
