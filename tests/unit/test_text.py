"""Name normalisation: search and identity ignore case, spacing and diacritics."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.rules.text import normalize_name


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Nguyễn Văn A", "nguyen van a"),
        ("  Nguyễn  Văn A ", "nguyen van a"),
        ("Đặng", "dang"),
        ("đặng thị hồng", "dang thi hong"),
        ("TRƯƠNG\tMỸ\nLỆ", "truong my le"),
        ("Phạm Quỳnh Hương", "pham quynh huong"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_name_drops_case_diacritics_and_extra_spacing(raw: str, normal: str) -> None:
    assert normalize_name(raw) == normal


def test_precomposed_and_decomposed_spellings_normalize_alike() -> None:
    name = "Nguyễn Thị Thuỷ"
    assert normalize_name(unicodedata.normalize("NFC", name)) == normalize_name(unicodedata.normalize("NFD", name))


@given(st.text())
def test_normalize_name_is_idempotent(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(st.text())
def test_normalized_names_have_no_combining_marks_nor_outer_or_double_spaces(name: str) -> None:
    normal = normalize_name(name)
    assert normal == normal.strip()
    assert "  " not in normal
    assert not any(unicodedata.category(c) == "Mn" for c in normal)
    assert "đ" not in normal
