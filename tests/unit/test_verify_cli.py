"""`thidua verify FILE.pdf`: the verdict in Vietnamese and an exit code a script can act on (0 valid, 1 invalid or
unsigned, 2 unreadable)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.signing_world import decision_pdf, make_pki, signed_decision, with_one_byte_changed
from thidua import cli


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    make_pki(tmp_path / "var")
    return tmp_path / "var"


def verify(path: Path, var_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = cli.main(["verify", str(path), "--var-dir", str(var_dir), *extra])
    return code, capsys.readouterr().out


def test_a_valid_decision_prints_who_signed_and_that_the_ca_is_the_demo(
    tmp_path: Path, var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(signed_decision(var_dir).data)
    code, out = verify(path, var_dir, capsys)
    assert code == 0
    assert "Văn bản hợp lệ" in out
    assert "Liên đoàn Lao động thị xã Sơn Tây (mã HN-SONTAY)" in out
    assert "Nguyễn Văn Hùng" in out
    assert "nguyên vẹn" in out
    assert "chứng thư của CA demo" in out
    assert "(giờ Việt Nam)" in out


def test_an_altered_decision_exits_1_saying_it_changed(tmp_path: Path, var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(with_one_byte_changed(signed_decision(var_dir).data))
    code, out = verify(path, var_dir, capsys)
    assert code == 1
    assert "VĂN BẢN ĐÃ BỊ THAY ĐỔI SAU KHI KÝ" in out
    assert "[altered]" in out


def test_an_untrusted_or_unsigned_document_exits_1(tmp_path: Path, var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(signed_decision(var_dir).data)
    code, out = verify(path, tmp_path / "a-var-dir-without-ca", capsys)
    assert code == 1
    assert "[untrusted]" in out
    path.write_bytes(decision_pdf())
    code, out = verify(path, var_dir, capsys)
    assert code == 1
    assert "VĂN BẢN KHÔNG CÓ CHỮ KÝ SỐ" in out


def test_an_unreadable_file_exits_2(tmp_path: Path, var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "anh.pdf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n not a document")
    code, out = verify(path, var_dir, capsys)
    assert code == 2
    assert "[not_a_pdf]" in out
    assert cli.main(["verify", str(tmp_path / "khong-co.pdf"), "--var-dir", str(var_dir)]) == 2
    assert "không có tệp" in capsys.readouterr().err


def test_json_output_is_the_verification(tmp_path: Path, var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(signed_decision(var_dir).data)
    code, out = verify(path, var_dir, capsys, "--json")
    body = json.loads(out)
    assert code == 0
    assert body["valid"]
    assert body["signatures"][0]["signer_unit_code"] == "HN-SONTAY"


def test_the_help_is_in_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["verify", "--help"])
    out = capsys.readouterr().out
    assert "văn bản PDF cần kiểm tra" in out
    assert "cách dùng" in out
