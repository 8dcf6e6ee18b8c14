"""How much signing adds to issuing a decision: a 200-person Quyết định rendered to PDF, then signed by its unit.

Run: .venv/bin/python bench/sign_decision.py [people] [repetitions]

Makes a demo PKI in a temporary directory (as `thidua migrate` does), builds the decision the way awards does
(`build_document` on the shipped legal basis), and times, `repetitions` times each (default 7): rendering alone (the
baseline, what issuing costs today), rendering and signing (PAdES B-LT with the demo keys: timestamp from the demo
TSA, chain and CRL embedded), and verifying the signed file. Figures only.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from documentbench import row, sample_decision, timed

from services.awards.domain.document import build_document, document_data
from shared.platform.pdfsigning import SigningKeys, ensure_demo_pki, issuing_units, sign_pdf_now, trust_roots, verify_pdf
from shared.rules.documents import to_pdf


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with tempfile.TemporaryDirectory(prefix="thidua-sign-bench-") as root:
        var_dir = Path(root)
        ensure_demo_pki(var_dir, issuing_units())
        key = SigningKeys.demo(var_dir).key_for("HN-SONTAY")
        roots = trust_roots(var_dir, "")
        document = build_document(document_data(*sample_decision(people)))

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
