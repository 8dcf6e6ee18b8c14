"""How much signing adds to issuing a decision: a 200-person Quyết định rendered to PDF, then signed by its unit.

Run: .venv/bin/python bench/sign_decision.py [people] [repetitions]

Makes a demo PKI in a temporary directory (as `thidua migrate` does), builds the decision the way awards does
(`build_document` on the shipped legal basis), and times, `repetitions` times each (default 7): rendering alone (the
baseline, what issuing costs today), rendering and signing (PAdES B-LT with the demo keys: timestamp from the demo
TSA, chain and CRL embedded), and verifying the signed file. Figures only.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from services.awards.domain.document import DocumentData, Entry, build_document
from services.awards.domain.legal_basis import frame_for
from shared.platform.pdfsigning import SigningKeys, ensure_demo_pki, issuing_units, sign_pdf_now, trust_roots, verify_pdf
from shared.rules.documents import OfficialDocument, to_pdf
from shared.rules.reference import load_units

ON = date(2026, 3, 5)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("Thị Hường", "Văn Đức", "Thị Ngọc Ánh", "Quốc Vượng", "Minh Tuấn", "Thu Hà")
WORKPLACES = ("Công đoàn Công ty CP tập đoàn DST", "Công đoàn Trường THCS Sơn Tây", "Công đoàn Bệnh viện đa khoa Sơn Tây")
AWARD = ("giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây")


def decision(people: int) -> OfficialDocument:
    unit = next(u for u in load_units() if u.code == "HN-SONTAY")
    frame = frame_for(
        "decision",
        issuer_code=unit.code,
        issuer_name=unit.name,
        issuer_level=unit.level,
        catalogs={"union"},
        on=ON,
        award_codes=frozenset({AWARD[0]}),
    )
    entries = tuple(
        Entry(
            nominee_name=f"{FAMILY[i % len(FAMILY)]} {GIVEN[i % len(GIVEN)]}",
            nominee_kind="individual",
            unit_name=WORKPLACES[i % len(WORKPLACES)],
            award_code=AWARD[0],
            award_name=AWARD[1],
            prize_amount_vnd=710_000,
            position="Công nhân",
            amount_known=True,
        )
        for i in range(people)
    )
    data = DocumentData(
        kind="decision",
        number_text="15/QĐ-LĐLĐ",
        issuer_name=unit.name,
        issuer_parent_name="Liên đoàn Lao động Thành phố Hà Nội",
        issued_on=ON,
        place=frame.place,
        basis=frame.basis,
        authority=frame.authority,
        signer_role=frame.signer_role,
        signer_name="Nguyễn Văn Hùng",
        entries=entries,
        base_salary_vnd=2_340_000,
        periods=("2025",),
    )
    return build_document(data)


def timed(run: Callable[[], object], repetitions: int) -> list[float]:
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return samples


def row(label: str, samples: list[float]) -> str:
    return (
        f"{label:<34} {statistics.median(samples) * 1000:>8.0f} ms {min(samples) * 1000:>8.0f} ms {max(samples) * 1000:>8.0f} ms"
    )


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with tempfile.TemporaryDirectory(prefix="thidua-sign-bench-") as root:
        var_dir = Path(root)
        ensure_demo_pki(var_dir, issuing_units())
        key = SigningKeys.demo(var_dir).key_for("HN-SONTAY")
        roots = trust_roots(var_dir, "")
        document = decision(people)

        def render_and_sign() -> bytes:
            return sign_pdf_now(to_pdf(document), key, signer_name="Nguyễn Văn Hùng", reason="Ban hành", location="Sơn Tây").data

        rendered = to_pdf(document)
        signed = render_and_sign()
        assert verify_pdf(signed, roots).valid
        print(f"{people}-person decision: {len(rendered) / 1024:.0f} KiB rendered, {len(signed) / 1024:.0f} KiB signed")
        print(f"{'':<34} {'median':>11} {'min':>11} {'max':>11}   ({repetitions} runs each)")
        print(row("render only (baseline)", timed(lambda: to_pdf(document), repetitions)))
        print(row("render + sign (PAdES B-LT)", timed(render_and_sign, repetitions)))
        print(
            row(
                "sign only (rendered bytes)",
                timed(lambda: sign_pdf_now(rendered, key, signer_name="A", reason="B", location="C"), repetitions),
            )
        )
        print(row("verify the signed file", timed(lambda: verify_pdf(signed, roots), repetitions)))


if __name__ == "__main__":
    main()
