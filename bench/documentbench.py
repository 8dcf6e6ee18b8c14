"""What the document benches share: a decision of LĐLĐ thị xã Sơn Tây listing N people as the register holds it, and
the timing of a step repeated (median, min, max)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from services.awards.domain.legal_basis import frame_for
from services.awards.domain.register import Decision, RegistryEntry
from services.awards.usecases.context import legal_basis_of
from shared.contracts.operations.awards import DecisionFrame
from shared.rules.reference import load_units
from shared.rules.rulebook import Rulebook

ON = date(2026, 3, 5)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("Thị Hường", "Văn Đức", "Thị Ngọc Ánh", "Quốc Vượng", "Minh Tuấn", "Thu Hà")
WORKPLACES = ("Công đoàn Công ty CP tập đoàn DST", "Công đoàn Trường THCS Sơn Tây", "Công đoàn Bệnh viện đa khoa Sơn Tây")
AWARD = ("giay_khen_ldld_huyen", "Giấy khen của Liên đoàn Lao động cấp huyện")


def sample_decision(people: int) -> tuple[Decision, list[RegistryEntry], DecisionFrame]:
    """A signed Giấy khen decision (15/QĐ-LĐLĐ) listing `people` individuals, with the frame the shipped legal basis gives."""
    unit = next(u for u in load_units() if u.code == "HN-SONTAY").ref()
    legal = frame_for(
        "decision",
        issuer_code=unit.code,
        issuer_name=unit.name,
        issuer_level=unit.level,
        catalogs={"union"},
        on=ON,
        award_codes=frozenset({AWARD[0]}),
        config=legal_basis_of(Rulebook()),
    )
    frame = DecisionFrame(
        place=legal.place,
        basis=list(legal.basis),
        authority=legal.authority,
        signer_role=list(legal.signer_role),
        signer_name="Nguyễn Văn Hùng",
        issuer_parent_name="Liên đoàn Lao động Thành phố Hà Nội",
    )
    decision = Decision(
        id="d-bench",
        kind="decision",
        issuer_code=unit.code,
        issuer=unit,
        year=ON.year,
        number=15,
        number_text="15/QĐ-LĐLĐ",
        issued_at=datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
        signed_by="Lãnh đạo LĐLĐ Sơn Tây",
        award_code=AWARD[0],
        award_name=AWARD[1],
        catalog_version="union-2025.1",
        readers=(unit.code,),
        batch_id="b-bench",
        decided_by="",
        document=frame,
    )
    entries = [
        RegistryEntry(
            id=f"e-{i}",
            decision_id=decision.id,
            nomination_id=f"n-{i}",
            nominee_kind="individual",
            nominee_name=f"{FAMILY[i % len(FAMILY)]} {GIVEN[i % len(GIVEN)]}",
            unit_code="HN-SONTAY-DST",
            unit_name=WORKPLACES[i % len(WORKPLACES)],
            period="2025",
            coefficient="0.3",
            base_salary_vnd=2_340_000,
            prize_amount_vnd=710_000,
            award_code=AWARD[0],
            award_name=AWARD[1],
            status="granted",
            nominee_position="Công nhân",
        )
        for i in range(people)
    ]
    return decision, entries, frame


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
