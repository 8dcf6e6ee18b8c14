"""The award catalogues: union awards and the state titles the union only proposes, in dated, versioned files.

Each catalogue ("union", "state") is a series of files in the catalogue directory (`shared/data/catalog`, or the
one the process's `Rulebook` names: `THIDUA_CATALOG_DIR`), one per version, each with the date it takes effect. On
any date the version in force of each catalogue is the latest one whose `effective_from` is on or before that
date; both share one workflow, so an award code is unique across the two. The criteria, quotas and council rules
are data for the eligibility checks and council votes; nothing here evaluates them.

One module on purpose (some 715 lines): it is the schema of a catalogue file, read top to bottom as the file is,
with the loader that checks a version against the others and the few lookups by date (the last 70 lines) that every
caller imports with the schema; split off, the lookups would be a module that only re-reads this one's types.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.contracts.values import LEVEL_NAMES_VI, LEVEL_RANK, LEVELS, DutyRating, Level, NomineeKind, UnitRef
from shared.rules.dated import latest_by
from shared.rules.periods import PeriodKind

DEFAULT_CATALOG_DIR = Path(__file__).resolve().parents[1] / "data" / "catalog"

CatalogName = Literal["union", "state"]
CATALOG_NAMES: tuple[CatalogName, ...] = ("union", "state")
Category = Literal["individual", "collective", "innovation"]
AwardKind = Literal["yearly", "campaign", "ad_hoc", "dedication", "seniority"]
Scope = Literal["comprehensive", "topical"]

CATALOG_NAMES_VI: dict[str, str] = {"union": "Khen thưởng của tổ chức Công đoàn", "state": "Danh hiệu, hình thức của Nhà nước"}
CATEGORY_NAMES_VI: dict[str, str] = {"individual": "cá nhân", "collective": "tập thể", "innovation": "sáng kiến"}
KIND_NAMES_VI: dict[str, str] = {
    "yearly": "công trạng (hằng năm)",
    "campaign": "theo đợt, chuyên đề",
    "ad_hoc": "đột xuất",
    "dedication": "quá trình cống hiến",
    "seniority": "niên hạn",
}
DUTY_RATING_VI: dict[str, str] = {
    "hoan_thanh": "hoàn thành nhiệm vụ",
    "hoan_thanh_tot": "hoàn thành tốt nhiệm vụ",
    "hoan_thanh_xuat_sac": "hoàn thành xuất sắc nhiệm vụ",
}
# Who is nominated for each category: an innovation ("sáng kiến") is put forward by its author or its group.
CATEGORY_NOMINEE_KINDS: dict[str, tuple[NomineeKind, ...]] = {
    "individual": ("individual",),
    "collective": ("collective",),
    "innovation": ("individual", "collective"),
}

Share = Annotated[Fraction, Field(gt=0, le=1)]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(_Data):
    """A rule taken from a document: where it comes from, and whether that source was confirmed (rules.md)."""

    source: str = Field(min_length=1)
    confirmed: bool = True
    note: str = ""


# Criteria a machine can check; a later eligibility engine evaluates them against the dossier and the
# nominee's title history. `on_fail` says whether a failure blocks submission or travels as a warning.


class _Criterion(Sourced):
    on_fail: Literal["block", "warn"] = "block"


class ConsecutiveTitles(_Criterion):
    type: Literal["consecutive_titles"]
    title: str = Field(min_length=1, description="award code of the title held in each of the years")
    years: int = Field(ge=1, le=20)

    def describe(self) -> str:
        return f"Đạt {self.title} {self.years} năm liên tục"


class TitleSameYear(_Criterion):
    type: Literal["title_same_year"]
    title: str = Field(min_length=1)

    def describe(self) -> str:
        return f"Đạt {self.title} trong cùng năm xét"


class RecognisedInnovation(_Criterion):
    type: Literal["recognised_innovation"]
    min_level: Level = "grassroots"

    def describe(self) -> str:
        return f"Có sáng kiến (đề tài) được công nhận từ {LEVEL_NAMES_VI[self.min_level].lower()} trở lên"


class InnovationBenefit(_Criterion):
    type: Literal["innovation_benefit"]
    min_single_vnd: int | None = Field(default=None, ge=1)
    cumulative_years: int | None = Field(default=None, ge=2, le=10)
    cumulative_min_vnd: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_measure(self) -> InnovationBenefit:
        if self.min_single_vnd is None and self.cumulative_min_vnd is None:
            raise ValueError("cần min_single_vnd hoặc cumulative_years + cumulative_min_vnd")
        if (self.cumulative_years is None) != (self.cumulative_min_vnd is None):
            raise ValueError("cumulative_years và cumulative_min_vnd phải đi cùng nhau")
        return self

    def describe(self) -> str:
        parts = []
        if self.min_single_vnd is not None:
            parts.append(f"một giải pháp làm lợi ≥ {self.min_single_vnd:,} đ".replace(",", "."))
        if self.cumulative_min_vnd is not None:
            parts.append(f"{self.cumulative_years} năm liên tục tổng làm lợi ≥ {self.cumulative_min_vnd:,} đ".replace(",", "."))
        return "Giá trị làm lợi: " + " hoặc ".join(parts)


class OncePerLifetime(_Criterion):
    type: Literal["once_per_lifetime"]

    def describe(self) -> str:
        return "Mỗi người chỉ được tặng một lần"


class MinMonthsEmployed(_Criterion):
    type: Literal["min_months_employed"]
    months: int = Field(ge=1, le=120)

    def describe(self) -> str:
        return f"Thời gian công tác trong năm từ {self.months} tháng trở lên"


class MaxAbsence(_Criterion):
    type: Literal["max_absence_working_days"]
    below: int = Field(ge=1, le=365, description="absence must be fewer than this many working days")
    exempt: list[str] = Field(default_factory=list, description="absences that do not count, e.g. thai_san")

    def describe(self) -> str:
        exempt = f" (không tính: {', '.join(self.exempt)})" if self.exempt else ""
        return f"Nghỉ dưới {self.below} ngày làm việc{exempt}"


class DutyRatingCriterion(_Criterion):
    type: Literal["duty_rating"]
    min_rating: DutyRating
    consecutive_years: int = Field(default=1, ge=1, le=20)

    def describe(self) -> str:
        years = f" {self.consecutive_years} năm liên tục" if self.consecutive_years > 1 else ""
        return f"Được xếp loại {DUTY_RATING_VI[self.min_rating]} trở lên{years}"


class PledgeRegistered(_Criterion):
    type: Literal["pledge_registered"]

    def describe(self) -> str:
        return "Đã đăng ký thi đua (giao ước thi đua) đầu năm"


class NoDiscipline(_Criterion):
    type: Literal["no_discipline"]
    from_level: Literal["khien_trach", "canh_cao"] = "khien_trach"
    administrative_sanction: bool = True

    def describe(self) -> str:
        sanction = ", không bị xử phạt hành chính" if self.administrative_sanction else ""
        return f"Không bị kỷ luật từ {self.from_level.replace('_', ' ')} trở lên{sanction}"


class MinUnionServiceYears(_Criterion):
    """Years of work in the union (e.g. the Kỷ niệm chương "Vì sự nghiệp xây dựng tổ chức Công đoàn")."""

    type: Literal["min_union_service_years"]
    years: int = Field(ge=1, le=60)
    who: str = Field(default="", description="whom the count applies to, as the source words it (e.g. cán bộ chuyên trách)")

    def describe(self) -> str:
        who = f" ({self.who})" if self.who else ""
        return f"Có từ {self.years} năm công tác trong tổ chức Công đoàn trở lên{who}"


class ActiveMembership(_Criterion):
    type: Literal["active_membership"]

    def describe(self) -> str:
        return "Là đoàn viên công đoàn đang sinh hoạt, đóng đoàn phí đầy đủ"


Criterion = Annotated[
    ConsecutiveTitles
    | TitleSameYear
    | RecognisedInnovation
    | InnovationBenefit
    | OncePerLifetime
    | MinMonthsEmployed
    | MaxAbsence
    | DutyRatingCriterion
    | PledgeRegistered
    | NoDiscipline
    | ActiveMembership
    | MinUnionServiceYears,
    Field(discriminator="type"),
]
TITLE_CRITERIA = (ConsecutiveTitles, TitleSameYear)

QUOTA_PER_VI: dict[str, str] = {
    "proposing_unit_year": "mỗi đơn vị đề nghị mỗi năm",
    "awarding_unit_year": "mỗi đơn vị khen thưởng mỗi năm",
    "topic_year": "mỗi chuyên đề mỗi năm",
    "campaign": "mỗi đợt thi đua",
}


class Quota(Sourced):
    """A cap the eligibility checks count against: a number, or a share of the holders of another title."""

    per: Literal["proposing_unit_year", "awarding_unit_year", "topic_year", "campaign"]
    limit: int | None = Field(default=None, ge=1)
    share_percent: Decimal | None = Field(default=None, gt=0, le=100)
    share_of: str | None = None
    proposing_level: Level | None = None
    campaign: str | None = None
    on_fail: Literal["block", "warn"] = "block"

    @model_validator(mode="after")
    def _consistent(self) -> Quota:
        if (self.limit is None) == (self.share_percent is None):
            raise ValueError("cần đúng một trong limit hoặc share_percent")
        if self.share_percent is not None and not self.share_of:
            raise ValueError("share_percent cần share_of (mã danh hiệu làm cơ sở)")
        if self.per == "campaign" and not self.campaign:
            raise ValueError("per = campaign cần mã đợt thi đua (campaign)")
        return self

    def describe(self) -> str:
        amount = f"tối đa {self.limit}" if self.limit is not None else f"tối đa {self.share_percent}% số đạt {self.share_of}"
        where = f" (đơn vị {LEVEL_NAMES_VI[self.proposing_level].lower()})" if self.proposing_level else ""
        campaign = f" {self.campaign}" if self.campaign else ""
        return f"{amount} {QUOTA_PER_VI[self.per]}{campaign}{where}"


class CouncilRule(Sourced):
    """Whether a level's Hội đồng Thi đua – Khen thưởng must vote, and how a vote passes."""

    vote_required: bool = True
    levels: list[Level] | None = Field(default=None, description="levels whose council votes; None: every level on the route")
    quorum: Share = Field(description="share of all members who must attend for a valid meeting")
    threshold: Share = Field(description="share of `base` voting for, at least")
    base: Literal["present", "all_members"]
    strictly_more: bool = False  # "more than 50 %" rather than "at least"
    secret_ballot: bool = False

    def describe(self) -> str:
        if not self.vote_required:
            return "Không bắt buộc Hội đồng TĐKT biểu quyết"
        base = "số thành viên có mặt" if self.base == "present" else "tổng số thành viên"
        ballot = ", bỏ phiếu kín" if self.secret_ballot else ""
        levels = f" (cấp: {', '.join(LEVEL_NAMES_VI[lv] for lv in self.levels)})" if self.levels else ""
        more = ">" if self.strictly_more else "≥"
        return (
            f"Hội đồng TĐKT biểu quyết{levels}: có mặt ≥ {self.quorum} thành viên; đồng ý {more} {self.threshold} {base}{ballot}"
        )


class DocumentType(_Data):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)


class Topic(_Data):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)


class CriteriaSet(_Data):
    """Criteria several awards share (e.g. the exclusions a CĐCS applies), kept in one place per file."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = ""
    criteria: list[Criterion]


PrizeKind = Literal["coefficient", "flat", "gift", "none"]
PRIZE_KIND_NAMES_VI: dict[str, str] = {
    "coefficient": "tiền thưởng theo hệ số lương cơ sở",
    "flat": "tiền thưởng (mức cố định)",
    "gift": "tặng phẩm",
    "none": "không kèm tiền thưởng",
}


class PrizeRule(Sourced):
    """A prize that is not a coefficient of the base salary: a flat amount in đồng, a gift with its value, or none.

    A flat amount or a gift value left out (None) is one the catalogue does not know: the issuing unit sets it on
    the draft (its own quy chế, e.g. each prize of a thi thợ giỏi), and until then the decision cannot be signed."""

    kind: Literal["flat", "gift", "none"]
    amount_vnd: int | None = Field(default=None, ge=1, description="flat: đồng per individual")
    collective_amount_vnd: int | None = Field(default=None, ge=1, description="flat: đồng per collective")
    gift: str = Field(default="", description="gift: what is given, e.g. 'quà', 'kỷ niệm chương'")
    value_vnd: int | None = Field(default=None, ge=1, description="gift: its value in đồng")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> PrizeRule:
        if self.kind != "flat" and (self.amount_vnd is not None or self.collective_amount_vnd is not None):
            raise ValueError(f"amount_vnd chỉ dùng cho kind = flat (đang là {self.kind})")
        if self.kind != "gift" and (self.gift or self.value_vnd is not None):
            raise ValueError(f"gift, value_vnd chỉ dùng cho kind = gift (đang là {self.kind})")
        if self.kind == "gift" and not self.gift:
            raise ValueError("kind = gift cần gift (tặng phẩm là gì)")
        return self

    def amount_for(self, nominee_kind: NomineeKind) -> int | None:
        """The đồng value a nominee receives (a gift's value); None: not known, the unit sets it."""
        if self.kind == "none":
            return 0
        if self.kind == "gift":
            return self.value_vnd
        if nominee_kind == "collective":
            return self.collective_amount_vnd
        return self.amount_vnd

    def describe(self) -> str:
        if self.kind == "none":
            return PRIZE_KIND_NAMES_VI["none"]
        if self.kind == "gift":
            value = f" trị giá {_vnd(self.value_vnd)} đồng" if self.value_vnd else " (trị giá do đơn vị quyết định)"
            return f"Tặng phẩm ({self.gift}){value}"
        parts = [f"cá nhân {_vnd(self.amount_vnd)} đồng" if self.amount_vnd else ""]
        parts.append(f"tập thể {_vnd(self.collective_amount_vnd)} đồng" if self.collective_amount_vnd else "")
        known = ", ".join(p for p in parts if p)
        return f"Tiền thưởng {known}" if known else "Tiền thưởng (mức do đơn vị quyết định)"


def _vnd(amount: int | None) -> str:
    return f"{amount or 0:,}".replace(",", ".")


# The placeholders a composed award name may use: the issuing unit's full name, and the place it covers.
NAME_PLACEHOLDERS = ("{issuer}", "{place}")
# Words a unit's full name starts with before the place it covers ("Liên đoàn Lao động quận Thanh Xuân").
_ORGANISATION_PREFIXES = ("Liên đoàn Lao động ", "Công đoàn ")


def unit_place(unit_name: str) -> str:
    """The place a unit covers, from its full name: "Liên đoàn Lao động quận Bắc Từ Liêm" -> "quận Bắc Từ Liêm",
    "Công đoàn phường Thanh Xuân" -> "phường Thanh Xuân"; a name without those words is returned as it is."""
    for prefix in _ORGANISATION_PREFIXES:
        if unit_name.startswith(prefix):
            return unit_name[len(prefix) :]
    return unit_name


class Award(_Data):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = ""
    categories: list[Category] = Field(default_factory=list)
    nominee_kinds: list[NomineeKind] = Field(default_factory=list)
    kind: AwardKind = "yearly"
    period_kind: PeriodKind = Field(
        default="calendar_year", description="the period a nomination names: calendar_year, school_year or term"
    )
    scope: Scope | None = None
    topics: list[Topic] = Field(default_factory=list)
    awarding_level: Level = Field(description="the union level whose approval ends the union's part")
    route: list[Level] = Field(
        default_factory=list, description="levels it passes, CĐCS first; default: every level up to awarding_level"
    )
    decided_by: str = Field(default="", description="who signs: the union body, or the state authority the union proposes to")
    documents: list[str] = Field(default_factory=list, description="codes of the required documents")
    optional_documents: list[str] = Field(
        default_factory=list, description="codes among `documents` a dossier may leave out (the rest are required)"
    )
    criteria_sets: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list)
    quotas: list[Quota] = Field(default_factory=list)
    council: CouncilRule | None = None
    individual_coefficient: Decimal = Field(ge=0)
    collective_coefficient: Decimal = Field(ge=0)
    coefficient_source: str = ""
    coefficient_confirmed: bool = True
    prize: PrizeRule | None = Field(default=None, description="a flat amount, a gift or none; None: the coefficients")
    name_template: str = Field(
        default="",
        description="the name as the issuing unit prints it, e.g. 'Giấy khen của Ban Chấp hành {issuer}'; "
        "'': `name` whoever issues it",
    )
    # Filled in by the catalogue that holds the award.
    catalog: CatalogName | None = None
    catalog_version: str = ""

    @model_validator(mode="after")
    def _categories_and_route(self) -> Award:
        if not self.categories and not self.nominee_kinds:
            raise ValueError("cần categories (hoặc nominee_kinds)")
        from_categories = {k for c in self.categories for k in CATEGORY_NOMINEE_KINDS[c]}
        if not self.nominee_kinds:
            object.__setattr__(self, "nominee_kinds", [k for k in ("individual", "collective") if k in from_categories])
        elif self.categories and not set(self.nominee_kinds) <= from_categories:
            raise ValueError(f"nominee_kinds {self.nominee_kinds} không khớp categories {self.categories}")
        if not self.categories:
            object.__setattr__(self, "categories", list(self.nominee_kinds))
        if not self.route:
            object.__setattr__(self, "route", list(LEVELS[: LEVEL_RANK[self.awarding_level] + 1]))
        ranks = [LEVEL_RANK[lv] for lv in self.route]
        if ranks[0] != 0 or any(a >= b for a, b in pairwise(ranks)):
            raise ValueError("route phải bắt đầu từ grassroots và đi lên từng cấp, không lặp lại")
        if self.route[-1] != self.awarding_level:
            raise ValueError(f"awarding_level {self.awarding_level} không phải cấp cuối của route {self.route}")
        if self.prize is not None and (self.individual_coefficient or self.collective_coefficient):
            raise ValueError(f"prize kind = {self.prize.kind}: hệ số (individual/collective_coefficient) phải bằng 0")
        unknown = re.findall(r"\{[^}]*\}", self.name_template)
        if any(p not in NAME_PLACEHOLDERS for p in unknown):
            raise ValueError(f"name_template chỉ dùng {', '.join(NAME_PLACEHOLDERS)} (có: {', '.join(unknown)})")
        return self

    @property
    def prize_kind(self) -> PrizeKind:
        return self.prize.kind if self.prize is not None else "coefficient"

    @property
    def prize_confirmed(self) -> bool:
        return self.prize.confirmed if self.prize is not None else self.coefficient_confirmed

    def name_for(self, issuer_name: str | None) -> str:
        """The award's full name as its issuing unit prints it ("Giấy khen của Ban Chấp hành Công đoàn phường Thanh
        Xuân"): composed from the unit's full name when the catalogue gives a template, else the catalogue's name."""
        if not self.name_template or not issuer_name:
            return self.name
        return self.name_template.replace("{issuer}", issuer_name).replace("{place}", unit_place(issuer_name))

    @property
    def outcome(self) -> Literal["decision", "proposal"]:
        """A union award ends in the union's decision; a state title in the union's proposal (đề nghị) to the state."""
        return "proposal" if self.catalog == "state" else "decision"

    @property
    def submittable(self) -> bool:
        """Whether it goes up the review workflow: awards the CĐCS itself decides or proposes never leave it."""
        return self.awarding_level != "grassroots"

    def name_on_path(self, unit_path: Sequence[UnitRef]) -> str:
        """The name as the unit that decides it on this path (the CĐCS first, up to the root) will print it."""
        issuer = next((u for u in unit_path if u.level == self.awarding_level), None)
        return self.name_for(issuer.name if issuer is not None else None)

    def coefficient_for(self, nominee_kind: NomineeKind) -> Decimal:
        if nominee_kind == "collective":
            return self.collective_coefficient
        return self.individual_coefficient

    def title_references(self) -> list[str]:
        refs = [c.title for c in self.criteria if isinstance(c, TITLE_CRITERIA)]
        return refs + [q.share_of for q in self.quotas if q.share_of]


class Catalog(_Data):
    version: str = Field(min_length=1)
    effective_from: date
    catalog: CatalogName
    legal_basis: list[str] = Field(default_factory=list)
    document_types: list[DocumentType] = Field(default_factory=list)
    criteria_sets: list[CriteriaSet] = Field(default_factory=list)
    council_default: CouncilRule | None = None
    awards: list[Award] = Field(default_factory=list)

    @model_validator(mode="after")
    def _resolve_awards(self) -> Catalog:
        problems: list[str] = []
        seen: set[str] = set()
        document_codes = {d.code for d in self.document_types}
        sets = {s.code: s for s in self.criteria_sets}
        resolved: list[Award] = []
        for i, award in enumerate(self.awards):
            where = f"awards[{i}] ({award.code})"
            if award.code in seen:
                problems.append(f"{where}.code: mã trùng trong tệp")
            seen.add(award.code)
            if award.catalog is not None and award.catalog != self.catalog:
                problems.append(f"{where}.catalog: {award.catalog} khác danh mục của tệp ({self.catalog})")
            problems += [f"{where}.documents: không có loại tài liệu {d}" for d in award.documents if d not in document_codes]
            problems += [
                f"{where}.optional_documents: {d} không có trong documents"
                for d in award.optional_documents
                if d not in award.documents
            ]
            problems += [f"{where}.criteria_sets: không có bộ tiêu chí {s}" for s in award.criteria_sets if s not in sets]
            if self.catalog == "state" and not award.decided_by:
                problems.append(f"{where}.decided_by: danh hiệu Nhà nước cần cơ quan quyết định (nơi Công đoàn đề nghị)")
            shared = [c for s in award.criteria_sets if s in sets for c in sets[s].criteria]
            resolved.append(
                award.model_copy(
                    update={
                        "catalog": self.catalog,
                        "catalog_version": self.version,
                        "criteria": shared + list(award.criteria),
                        "council": award.council or self.council_default,
                    }
                )
            )
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "awards", resolved)
        return self

    def get(self, code: str) -> Award | None:
        return next((a for a in self.awards if a.code == code), None)

    def document_name(self, code: str) -> str:
        return next((d.name for d in self.document_types if d.code == code), code)


# Files and directories


class CatalogError(ValueError):
    """A catalogue file or directory that cannot be used; the message names the file and the field."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class CatalogFile:
    path: Path
    catalog: Catalog


def load_catalog_file(path: Path) -> CatalogFile:
    """One version file, validated on its own; every problem is reported as `file: field: message`."""
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError([f"{path.name}: {exc}"]) from exc
    try:
        return CatalogFile(path, Catalog.model_validate(raw))
    except ValidationError as exc:
        raise CatalogError([f"{path.name}: {_location(raw, e['loc'])}: {e['msg']}" for e in exc.errors()]) from exc


def _location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """`awards[3] (bang_khen_x).criteria[0].years` rather than pydantic's bare tuple."""
    text = ""
    node: Any = raw
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            code = item.get("code") if isinstance(item, dict) else None
            text += f"[{key}]" + (f" ({code})" if code else "")
            node = item
        else:
            text += f".{key}" if text else str(key)
            node = node.get(key) if isinstance(node, dict) else None
    return text or "(tệp)"


def version_problems(files: Sequence[CatalogFile]) -> list[str]:
    """Rules between versions: unique dates and versions per catalogue, award codes unique across the
    catalogues in force together, and criteria referring to titles that exist while they apply."""
    problems: list[str] = []
    for name in CATALOG_NAMES:
        by_date: dict[date, CatalogFile] = {}
        for f in (f for f in files if f.catalog.catalog == name):
            other = by_date.setdefault(f.catalog.effective_from, f)
            if other is not f:
                problems.append(
                    f"{f.path.name}: effective_from: {f.catalog.effective_from.isoformat()} trùng với {other.path.name}"
                    f" (danh mục {name})"
                )
    by_version: dict[str, CatalogFile] = {}
    for f in files:
        other = by_version.setdefault(f.catalog.version, f)
        if other is not f:
            problems.append(f"{f.path.name}: version: {f.catalog.version} trùng với {other.path.name}")
    for day in sorted({f.catalog.effective_from for f in files}):
        together = [f for f in (_file_in_force(files, name, day) for name in CATALOG_NAMES) if f is not None]
        owner: dict[str, CatalogFile] = {}
        for f in together:
            for award in f.catalog.awards:
                first = owner.setdefault(award.code, f)
                if first is not f:
                    problems.append(
                        f"{f.path.name}: awards.code: {award.code} đã có trong {first.path.name} (từ {day.isoformat()})"
                    )
        for f in together:
            for award in f.catalog.awards:
                problems += [
                    f"{f.path.name}: awards ({award.code}): tiêu chí, hạn mức nhắc tới {ref}, "
                    f"không có trong danh mục có hiệu lực từ {day.isoformat()}"
                    for ref in award.title_references()
                    if ref not in owner
                ]
    return list(dict.fromkeys(problems))


def _file_in_force(files: Iterable[CatalogFile], name: CatalogName, on: date) -> CatalogFile | None:
    return latest_by((f for f in files if f.catalog.catalog == name), on, lambda f: f.catalog.effective_from)


def load_catalog_dir(directory: Path) -> tuple[CatalogFile, ...]:
    """Every version file of a directory, checked one by one and together; all problems at once."""
    files: list[CatalogFile] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            files.append(load_catalog_file(path))
        except CatalogError as exc:
            problems += exc.problems
    problems += version_problems(files)
    if problems:
        raise CatalogError(problems)
    return tuple(sorted(files, key=lambda f: (f.catalog.catalog, f.catalog.effective_from)))


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times: a version installed while a service runs is seen at once."""
    stats = ((p.name, p.stat()) for p in sorted(directory.glob("*.toml")))
    return tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats)


@lru_cache(maxsize=16)
def _cached_dir(directory: Path, fingerprint: tuple[tuple[str, int, int], ...]) -> tuple[CatalogFile, ...]:
    return load_catalog_dir(directory)


def catalog_files(directory: Path = DEFAULT_CATALOG_DIR) -> tuple[CatalogFile, ...]:
    """The version files of a catalogue directory (default: the shipped one), cached per directory until a file
    changes."""
    resolved = directory.resolve()
    return _cached_dir(resolved, _fingerprint(resolved))


def _in_force(files: Iterable[CatalogFile], name: CatalogName, on: date) -> Catalog | None:
    found = _file_in_force(files, name, on)
    return found.catalog if found else None


@dataclass(frozen=True)
class CatalogSet:
    """The catalogues in force on one date: one version of each (None before its first version)."""

    on: date
    union: Catalog | None
    state: Catalog | None

    @property
    def catalogs(self) -> list[Catalog]:
        return [c for c in (self.union, self.state) if c is not None]

    @property
    def awards(self) -> list[Award]:
        return [a for c in self.catalogs for a in c.awards]

    def get(self, code: str) -> Award | None:
        return next((a for c in self.catalogs if (a := c.get(code)) is not None), None)

    @property
    def versions(self) -> dict[str, str]:
        return {c.catalog: c.version for c in self.catalogs}


def catalogs_on(on: date, directory: Path = DEFAULT_CATALOG_DIR) -> CatalogSet:
    return catalogs_in(catalog_files(directory), on)


def catalogs_in(files: Sequence[CatalogFile], on: date) -> CatalogSet:
    """`catalogs_on` among version files already read: what a check of many rows uses, so it looks at the directory
    once (each look lists and stats every file, ~0.2 ms) instead of once a row."""
    return CatalogSet(on, _in_force(files, "union", on), _in_force(files, "state", on))


def catalog_on(on: date, directory: Path = DEFAULT_CATALOG_DIR, name: CatalogName = "union") -> Catalog:
    """The version of one catalogue in force on a date (the latest whose effective_from <= on)."""
    found = _in_force(catalog_files(directory), name, on)
    if found is None:
        raise LookupError(f"no {name} award catalogue in force on {on.isoformat()}")
    return found


def award_on(code: str, on: date, directory: Path = DEFAULT_CATALOG_DIR) -> Award | None:
    """An award as the catalogue in force on a date defines it; `award.catalog_version` says which version."""
    return award_in(catalog_files(directory), code, on)


def award_in(files: Sequence[CatalogFile], code: str, on: date) -> Award | None:
    """`award_on` among version files already read (`catalogs_in`)."""
    return catalogs_in(files, on).get(code)


def catalog_version(version: str, directory: Path = DEFAULT_CATALOG_DIR) -> Catalog:
    """A version by its name, e.g. the `union-2024.1` a nomination was judged by."""
    found = next((f.catalog for f in catalog_files(directory) if f.catalog.version == version), None)
    if found is None:
        raise LookupError(f"no award catalogue version {version}")
    return found
