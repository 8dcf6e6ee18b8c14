"""A decision ("Quyết định") or a proposal ("Tờ trình") of the register as an `OfficialDocument`. Pure.

The list is the document's appendix ("DANH SÁCH … Kèm theo Quyết định số …"), printed after the signature:
collectives and individuals in two tables ("A. TẬP THỂ", "B. CÁ NHÂN"), each sorted by award (in the order the
document lists them), then unit and name; a document listing several awards of its issuer names each in Điều 1 with
its own counts, as real decisions do. A prize whose amount is not known (coefficient 0 that the catalogue has not
confirmed) is printed "chưa xác định", never as "no prize". A prize is money (a coefficient of the base salary, or
a flat amount), a gift printed with its value ("Tặng phẩm trị giá …"), or none (no prize line at all).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from services.awards.domain.legal_basis import DocumentKind
from services.awards.domain.register import Decision, RegistryEntry
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.values import VIETNAM_TZ, NomineeKind
from shared.rules.catalog import PrizeKind
from shared.rules.documents import AppendixHeading, Column, OfficialDocument, SignatureBlock, Table, short_date, vnd

TITLES = {"decision": "QUYẾT ĐỊNH", "proposal": "TỜ TRÌNH", "forwarding": "TỜ TRÌNH"}
UNKNOWN_AMOUNT = "chưa xác định"
WATERMARK_REVOKED = "ĐÃ THU HỒI"


@dataclass(frozen=True)
class Entry:
    nominee_name: str
    nominee_kind: NomineeKind
    unit_name: str
    award_code: str
    award_name: str
    prize_amount_vnd: int
    position: str = ""  # an individual's chức vụ
    amount_known: bool = True  # False: the catalogue's coefficient is 0 and unconfirmed, so the amount is not known
    prize_kind: PrizeKind = "coefficient"

    @property
    def amount(self) -> int | str:
        """The amount as a list prints it: đồng, a gift with its value, "không", or "chưa xác định"."""
        if not self.amount_known:
            return UNKNOWN_AMOUNT
        if self.prize_kind == "gift":
            return f"Tặng phẩm trị giá {vnd(self.prize_amount_vnd)}"
        if self.prize_kind == "none":
            return "Không"
        return self.prize_amount_vnd


@dataclass(frozen=True)
class Revocation:
    reason: str
    on: date
    by: str


@dataclass(frozen=True)
class DocumentData:
    kind: DocumentKind
    number_text: str
    issuer_name: str
    issuer_parent_name: str
    issued_on: date
    place: str
    basis: tuple[str, ...]
    authority: str
    signer_role: tuple[str, ...]
    signer_name: str
    entries: tuple[Entry, ...]
    base_salary_vnd: int = 0
    decided_by: str = ""  # a proposal's state authority as the catalogue names it (with its notes): never printed
    addressee: str = ""  # a proposal's "Kính gửi:", as configured (legal_basis.toml)
    periods: tuple[str, ...] = ()
    revocation: Revocation | None = None


def document_data(
    decision: Decision,
    entries: Sequence[RegistryEntry],
    frame: DecisionFrame,
    *,
    no_prize_awards: frozenset[str] = frozenset(),
    prize_kinds: Mapping[str, PrizeKind] | None = None,
) -> DocumentData:
    """A decision and its entries as the document's data, in the frame it was issued with. A zero prize is "no
    prize" only for the awards in `no_prize_awards` (the catalogue confirms they carry none) or whose prize kind is
    "none"; else it is unknown. `prize_kinds`: each award's prize kind by code (default: a coefficient)."""
    kinds = prize_kinds or {}
    revocation = None
    if decision.status == "revoked" and decision.revoked_at is not None:
        revocation = Revocation(
            reason=decision.revoked_reason or "",
            on=decision.revoked_at.astimezone(VIETNAM_TZ).date(),
            by=decision.revoked_by or "",
        )
    return DocumentData(
        kind=decision.kind,
        number_text=decision.number_text,
        issuer_name=decision.issuer.name,
        issuer_parent_name=frame.issuer_parent_name,
        issued_on=issued_on(decision),
        place=frame.place,
        basis=tuple(frame.basis),
        authority=frame.authority,
        signer_role=tuple(frame.signer_role),
        signer_name=decision.signed_by if frame.signer_name is None else frame.signer_name,
        entries=tuple(
            Entry(
                nominee_name=e.nominee_name,
                nominee_kind=e.nominee_kind,
                unit_name=e.unit_name,
                award_code=e.award_code or decision.award_code,
                award_name=e.award_name or decision.award_name,
                prize_amount_vnd=e.prize_amount_vnd,
                position=e.nominee_position,
                amount_known=e.prize_amount_vnd > 0
                or (e.award_code or decision.award_code) in no_prize_awards
                or kinds.get(e.award_code or decision.award_code) == "none",
                prize_kind=kinds.get(e.award_code or decision.award_code, "coefficient"),
            )
            for e in entries
        ),
        base_salary_vnd=entries[0].base_salary_vnd if entries else 0,
        decided_by=decision.decided_by,
        addressee=frame.addressee or plain_authority(decision.decided_by),
        periods=tuple(sorted({e.period for e in entries})),
        revocation=revocation,
    )


def plain_authority(decided_by: str) -> str:
    """The catalogue's authority without its notes: "Bộ trưởng, Chủ tịch UBND tỉnh (… chưa xác nhận)" -> before the "("."""
    return decided_by.split("(", 1)[0].strip()


def issued_on(decision: Decision) -> date:
    """The document's date, in Hà Nội."""
    return decision.issued_at.astimezone(VIETNAM_TZ).date()


@dataclass(frozen=True)
class AwardCount:
    award_name: str
    collectives: int
    individuals: int
    amount_vnd: int


def award_order(entries: tuple[Entry, ...]) -> list[str]:
    """Awards in the order of their first entry (the issuer approved them in that order)."""
    return list(dict.fromkeys(e.award_code for e in entries))


def split_by_kind(entries: tuple[Entry, ...]) -> tuple[list[Entry], list[Entry]]:
    """(collectives, individuals), each sorted by award, unit, name."""
    order = {code: i for i, code in enumerate(award_order(entries))}

    def key(e: Entry) -> tuple[int, str, str]:
        return order[e.award_code], e.unit_name, e.nominee_name

    collectives = sorted((e for e in entries if e.nominee_kind == "collective"), key=key)
    individuals = sorted((e for e in entries if e.nominee_kind != "collective"), key=key)
    return collectives, individuals


def count_by_award(entries: tuple[Entry, ...]) -> list[AwardCount]:
    counts = []
    for code in award_order(entries):
        of_award = [e for e in entries if e.award_code == code]
        counts.append(
            AwardCount(
                award_name=of_award[0].award_name,
                collectives=sum(1 for e in of_award if e.nominee_kind == "collective"),
                individuals=sum(1 for e in of_award if e.nominee_kind != "collective"),
                amount_vnd=sum(e.prize_amount_vnd for e in of_award),
            )
        )
    return counts


def total_vnd(entries: tuple[Entry, ...] | list[Entry]) -> int:
    return sum(e.prize_amount_vnd for e in entries)


def recipients_phrase(collectives: int, individuals: int) -> str:
    """'2 tập thể và 3 cá nhân', '3 cá nhân', '1 tập thể'."""
    parts = [f"{n} {label}" for n, label in ((collectives, "tập thể"), (individuals, "cá nhân")) if n]
    return " và ".join(parts)


def _awards_phrase(counts: list[AwardCount]) -> str:
    return "; ".join(f"{c.award_name} cho {recipients_phrase(c.collectives, c.individuals)}" for c in counts)


def _subject(data: DocumentData, counts: list[AwardCount]) -> str:
    return subject_line(data.kind, [c.award_name for c in counts], data.periods)


def subject_line(kind: DocumentKind, award_names: Sequence[str], periods: Sequence[str]) -> str:
    """The trích yếu: "Về việc khen thưởng <awards> năm <period>" (a tờ trình: "Về việc đề nghị tặng …"); the
    register of outgoing documents prints the same line."""
    names = ", ".join(award_names)
    year = f" năm {periods[0]}" if len(periods) == 1 else ""
    if kind == "proposal":
        return f"Về việc đề nghị tặng {names}{year}"
    if kind in ("forwarding", "revocation"):  # the subject its own template prints, kept as its first "award"'s name
        return names
    return f"Về việc khen thưởng {names}{year}"


def _tables(data: DocumentData) -> tuple[Table, ...]:
    money = data.kind == "decision" and any(e.prize_kind != "none" for e in data.entries)
    gifts = any(e.prize_kind == "gift" for e in data.entries)
    several_awards = len(award_order(data.entries)) > 1
    collectives, individuals = split_by_kind(data.entries)
    tables = []
    for heading, rows, name_title in (
        ("A. TẬP THỂ", collectives, "Tên tập thể"),
        ("B. CÁ NHÂN", individuals, "Họ và tên"),
    ):
        if not rows:
            continue
        person = rows is individuals
        columns = [Column("STT", 0.6, "C"), Column(name_title, 2.4 if person else 3.2)]
        if person:
            columns.append(Column("Chức vụ", 1.8))
        columns.append(Column("Đơn vị", 2.6))
        if several_awards:
            columns.append(Column("Hình thức", 2.0))
        if money:
            columns.append(Column("Tiền thưởng, tặng phẩm (đồng)" if gifts else "Số tiền (đồng)", 1.5, money=True))
        body = []
        for i, e in enumerate(rows, start=1):
            row: list[str | int] = [i, e.nominee_name, *([e.position] if person else []), e.unit_name]
            row += [e.award_name] if several_awards else []
            row += [e.amount] if money else []
            body.append(tuple(row))
        total: tuple[str | int, ...] | None = None
        if money:
            known = all(e.amount_known for e in rows)
            total = ("", f"Cộng: {len(rows)}", *([""] * (len(columns) - 3)), total_vnd(rows) if known else UNKNOWN_AMOUNT)
        tables.append(Table(columns=tuple(columns), rows=tuple(body), heading=heading, total=total))
    return tuple(tables)


def _each(rows: Sequence[Entry], what: str) -> str:
    """ "1.000.000 đồng mỗi cá nhân" when every row has the same amount, else the rows' own amounts."""
    amounts = {e.prize_amount_vnd for e in rows}
    kinds = {"tập thể" if e.nominee_kind == "collective" else "cá nhân" for e in rows}
    if len(amounts) == 1 and len(kinds) == 1:
        return f"{what} {vnd(amounts.pop())} đồng mỗi {kinds.pop()}"
    return f"{what} theo mức của từng tập thể, cá nhân"


def _prize_article(data: DocumentData) -> str:
    """Điều 2 of a decision whose prizes are not only coefficients: each kind in its words, then the total."""
    given = [e for e in data.entries if e.prize_amount_vnd > 0]
    clauses = []
    for kind in ("coefficient", "flat", "gift"):
        rows = [e for e in given if e.prize_kind == kind]
        if not rows:
            continue
        if kind == "coefficient":
            clause = f"tiền thưởng bằng hệ số nhân mức lương cơ sở {vnd(data.base_salary_vnd)} đồng theo quy định"
        elif kind == "flat":
            clause = _each(rows, "tiền thưởng")
        else:
            clause = _each(rows, "tặng phẩm trị giá")
        clauses.append(f"{clause} (cộng {vnd(total_vnd(rows))} đồng)")
    return (
        f"Điều 2. Kèm theo hình thức khen thưởng tại Điều 1 là {'; '.join(clauses)}; mức của từng tập thể, cá nhân "
        f"theo danh sách kèm theo, tổng cộng {vnd(total_vnd(given))} đồng."
    )


def _decision_articles(data: DocumentData, counts: list[AwardCount]) -> tuple[str, ...]:
    total = total_vnd(data.entries)
    article1 = f"Điều 1. Tặng {_awards_phrase(counts)} (có danh sách kèm theo)."
    if not all(e.amount_known for e in data.entries):
        article2 = (
            "Điều 2. Tiền thưởng kèm theo hình thức khen thưởng tại Điều 1 chưa xác định (mức tiền thưởng chưa được "
            "xác nhận trong danh mục khen thưởng); mức của từng tập thể, cá nhân theo danh sách kèm theo."
        )
    elif total and any(e.prize_kind in ("flat", "gift") for e in data.entries if e.prize_amount_vnd):
        article2 = _prize_article(data)
    elif total:
        article2 = (
            "Điều 2. Kèm theo hình thức khen thưởng tại Điều 1 là tiền thưởng bằng hệ số nhân mức lương cơ sở "
            f"{vnd(data.base_salary_vnd)} đồng theo quy định; mức của từng tập thể, cá nhân theo danh sách kèm theo, "
            f"tổng cộng {vnd(total)} đồng."
        )
    else:
        article2 = "Điều 2. Hình thức khen thưởng tại Điều 1 không kèm tiền thưởng theo danh mục khen thưởng hiện hành."
    article3 = (
        "Điều 3. Quyết định có hiệu lực kể từ ngày ký. Các đơn vị có liên quan và các tập thể, cá nhân có tên tại "
        "Điều 1 chịu trách nhiệm thi hành Quyết định này./."
    )
    return article1, article2, article3


def _proposal_body(data: DocumentData, counts: list[AwardCount]) -> tuple[str, ...]:
    addressee = data.addressee or plain_authority(data.decided_by)
    return (
        f"{data.issuer_name} kính trình {addressee} xem xét, quyết định tặng {_awards_phrase(counts)} (có danh sách kèm theo).",
        "Hồ sơ đề nghị của từng tập thể, cá nhân đã được Hội đồng Thi đua – Khen thưởng các cấp công đoàn "
        "xét duyệt theo quy định.",
    )


def _appendix(data: DocumentData, counts: list[AwardCount]) -> AppendixHeading:
    collectives, individuals = split_by_kind(data.entries)
    who = " và ".join(label for rows, label in ((collectives, "tập thể"), (individuals, "cá nhân")) if rows)
    names = ", ".join(c.award_name for c in counts)
    year = f" năm {data.periods[0]}" if len(data.periods) == 1 else ""
    verb = "được tặng" if data.kind == "decision" else "đề nghị tặng"
    title = "Quyết định" if data.kind == "decision" else "Tờ trình"
    return AppendixHeading(
        title="DANH SÁCH",
        subject=f"{who[:1].upper()}{who[1:]} {verb} {names}{year}",
        reference=f"(Kèm theo {title} số {data.number_text} ngày {short_date(data.issued_on)} của {data.issuer_name})",
    )


def _revocation_line(r: Revocation) -> str:
    return f"Quyết định này đã bị thu hồi ngày {r.on:%d/%m/%Y} ({r.by}). Lý do: {r.reason}"


def build_document(data: DocumentData) -> OfficialDocument:
    counts = count_by_award(data.entries)
    closing: tuple[str, ...]
    addressee = ""
    if data.kind == "decision":
        basis, paragraphs, closing = data.basis, _decision_articles(data, counts), ()
        recipients: tuple[str, ...] = ("Như Điều 3", "Lưu: VT")
        resolve_line = "QUYẾT ĐỊNH:"
    else:
        addressee = data.addressee or plain_authority(data.decided_by)
        basis = data.basis
        paragraphs = _proposal_body(data, counts)
        closing = (f"Kính trình {addressee} xem xét, quyết định./.",)
        recipients = ("Như trên", "Lưu: VT")
        resolve_line = ""
    if data.revocation is not None:
        closing = (*closing, _revocation_line(data.revocation))
    return OfficialDocument(
        kind=TITLES[data.kind],
        subject=_subject(data, counts),
        issuer=data.issuer_name,
        issuer_parent=data.issuer_parent_name,
        number_text=data.number_text,
        place=data.place,
        issued_on=data.issued_on,
        authority=data.authority,
        addressee=addressee,
        basis=basis,
        resolve_line=resolve_line,
        paragraphs=paragraphs,
        tables=_tables(data),
        closing=closing,
        recipients=recipients,
        signature=SignatureBlock.of_lines(data.signer_role, data.signer_name),
        appendix=_appendix(data, counts),
        watermark=WATERMARK_REVOKED if data.revocation is not None else "",
        metadata={"number": data.number_text},
    )
