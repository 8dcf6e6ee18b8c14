"""What printing a decision's certificates (văn bằng) costs: a 200-person Giấy khen decision's certificates rendered
to one PDF (a landscape page each, A4 and A3), beside rendering the decision itself (the baseline), in the same run.

Run: .venv/bin/python bench/certificates.py [people] [repetitions]

Builds the decision as the register holds it (`Decision`, its entries, its frame from the shipped legal basis), then
times, `repetitions` times each (default 5): the decision's PDF (`build_document` + `to_pdf`, what the decision's
download costs when it is not yet signed), its certificates on A4 (`certificates_of` + `certificates_pdf`, what
`certificates` answers) and on A3. Figures only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from documentbench import row, sample_decision, timed

from services.awards.domain.certificate import certificates_of
from services.awards.domain.document import build_document, document_data
from shared.rules.documents import Paper, certificates_pdf, to_pdf


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    decision, entries, frame = sample_decision(people)

    def the_decision() -> bytes:
        return to_pdf(build_document(document_data(decision, entries, frame)))

    def certificates(paper: Paper) -> Callable[[], bytes]:
        return lambda: certificates_pdf(certificates_of(decision, entries, frame), paper)

    document, a4 = the_decision(), certificates("A4")()
    print(f"{people}-person decision: {len(document) / 1024:.0f} KiB; its certificates: {len(a4) / 1024:.0f} KiB (A4)")
    print(f"{'':<34} {'median':>11} {'min':>11} {'max':>11}   ({repetitions} runs each)")
    print(row("the decision's PDF (baseline)", timed(the_decision, repetitions)))
    print(row("certificates, A4 landscape", timed(certificates("A4"), repetitions)))
    print(row("certificates, A3 landscape", timed(certificates("A3"), repetitions)))


if __name__ == "__main__":
    main()
