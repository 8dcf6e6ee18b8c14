"""`thidua verify FILE.pdf`: who signed a document, when, whether it is intact and whether the signer is trusted.

Trusted roots: the demo CA of `--var-dir` (default THIDUA_VAR_DIR, else `var`) and the PEM files of THIDUA_TRUST_ROOTS.
Exit code 0 valid, 1 invalid (altered, untrusted, not signed), 2 the file cannot be read (missing, not a PDF, damaged).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

COMMANDS = ("verify",)


def add_parsers(sub: Any) -> None:
    verify = sub.add_parser("verify", help="kiểm tra chữ ký số của một văn bản PDF: ai ký, khi nào, còn nguyên vẹn không")
    verify.add_argument("file", type=Path, metavar="TỆP.pdf", help="văn bản PDF cần kiểm tra")
    verify.add_argument(
        "--var-dir",
        type=Path,
        default=Path(os.environ.get("THIDUA_VAR_DIR", "var")),
        help="thư mục dữ liệu có CA demo (pki/ca.pem); thêm CA tin cậy bằng THIDUA_TRUST_ROOTS",
    )
    verify.add_argument("--json", action="store_true", help="in kết quả dạng JSON")


def run(args: argparse.Namespace) -> int:
    from shared.platform.pdfsigning import UNREADABLE, trust_roots, verify_pdf

    try:
        data = args.file.read_bytes()
    except FileNotFoundError:
        print(f"thidua verify: không có tệp {args.file}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"thidua verify: không đọc được {args.file} ({type(exc).__name__})", file=sys.stderr)
        return 2
    try:
        roots = trust_roots(args.var_dir)
    except (OSError, ValueError) as exc:
        print(f"thidua verify: không đọc được danh sách CA tin cậy (THIDUA_TRUST_ROOTS): {exc}", file=sys.stderr)
        return 2
    verification = verify_pdf(data, roots)
    if args.json:
        print(json.dumps(verification.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print_verification(args.file, verification, sys.stdout)
    if verification.valid:
        return 0
    return 2 if any(p.code in UNREADABLE for p in verification.problems) else 1


def print_verification(path: Path, verification: Any, out: TextIO) -> None:
    from shared.platform.pdfverdicts import details, verdict

    result = verdict(verification)
    print(f"{path}: {result.headline.upper() if result.tone == 'bad' else result.headline}", file=out)
    for number, check in enumerate(verification.signatures, 1):
        print(f"\nChữ ký {number} ({check.field_name}):", file=out)
        for label, value in details(check):
            print(f"  {label + ':':<15} {value}", file=out)
    if verification.problems:
        print("\nVấn đề:", file=out)
        for problem in verification.problems:
            print(f"  - [{problem.code}] {problem.message}", file=out)
