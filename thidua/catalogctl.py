"""`thidua catalog`: read the award catalogues, check a new version file and install it.

The catalogue directory is `THIDUA_CATALOG_DIR` (default: the files shipped in `shared/data/catalog`), read once
per command into a `Rulebook` as the services read it at start-up; the running services look their directory up on
every use and see a newly installed version without a restart.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from shared.contracts.values import LEVEL_NAMES_VI, VIETNAM_TZ
from shared.platform.clock import SystemClock
from shared.rules.catalog import (
    CATALOG_NAMES,
    CATALOG_NAMES_VI,
    CATEGORY_NAMES_VI,
    KIND_NAMES_VI,
    Award,
    Catalog,
    CatalogError,
    CatalogFile,
    load_catalog_dir,
    load_catalog_file,
    version_problems,
)

if TYPE_CHECKING:
    from shared.rules.rulebook import Rulebook

COMMANDS = ("catalog",)


def rulebook() -> Rulebook:
    """The rules as a service started now would read them (`THIDUA_CATALOG_DIR`)."""
    from shared.platform.settings import RuleSources  # not at import: `thidua --help` needs none of it

    return RuleSources().rulebook()


def parse_day(text: str) -> date:
    """2026-05-01 or 01/05/2026."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {text} (dùng 2026-05-01 hoặc 01/05/2026)")


def add_parsers(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="danh mục khen thưởng: xem, các phiên bản, kiểm tra và cài một tệp phiên bản")
    actions = catalog.add_subparsers(dest="catalog_action", required=True, metavar="HÀNH_ĐỘNG")
    listing = actions.add_parser("list", help="các hình thức khen thưởng có hiệu lực vào một ngày")
    listing.add_argument("--on", type=parse_day, help="ngày (mặc định: hôm nay)")
    listing.add_argument("--catalog", choices=CATALOG_NAMES, help="chỉ danh mục này")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="đầy đủ một hình thức: tuyến xét, hồ sơ, tiêu chuẩn kèm nguồn, tỷ lệ, hội đồng")
    show.add_argument("code")
    when = show.add_mutually_exclusive_group()
    when.add_argument("--on", type=parse_day, help="phiên bản có hiệu lực vào ngày này (mặc định: hôm nay)")
    when.add_argument("--version", help="một phiên bản theo tên, ví dụ phiên bản hồ sơ đã lưu (union-2024.1)")
    show.add_argument("--json", action="store_true")
    versions = actions.add_parser("versions", help="mọi tệp phiên bản kèm ngày hiệu lực và số hình thức")
    versions.add_argument("--json", action="store_true")
    check = actions.add_parser("check", help="kiểm tra một tệp phiên bản mới so với các phiên bản đã cài, không cài")
    check.add_argument("file", type=Path)
    install = actions.add_parser("install", help="kiểm tra một tệp phiên bản mới rồi chép vào thư mục danh mục")
    install.add_argument("file", type=Path)


def run(args: argparse.Namespace, out: TextIO | None = None, today: date | None = None) -> int:
    out = out or sys.stdout
    today = today or SystemClock().now().astimezone(VIETNAM_TZ).date()
    try:
        if args.catalog_action == "list":
            return cmd_list(out, args.on or today, args.catalog, as_json=args.json)
        if args.catalog_action == "show":
            return cmd_show(out, args.code, on=args.on or today, version=args.version, as_json=args.json)
        if args.catalog_action == "versions":
            return cmd_versions(out, as_json=args.json)
        if args.catalog_action == "check":
            return cmd_check(out, args.file, today)
        return cmd_install(out, args.file, today)
    except CatalogError as exc:
        print("Danh mục khen thưởng không hợp lệ:", file=out)
        for problem in exc.problems:
            print(f"  - {problem}", file=out)
        return 1
    except LookupError as exc:
        print(str(exc), file=out)
        return 1


def day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out)


def coefficients(award: Award) -> str:
    """The prize column: the coefficients, or the prize kind when it is not one ("tặng phẩm", "không")."""
    if award.prize is not None:
        short = {"flat": "tiền cố định", "gift": "tặng phẩm", "none": "không"}[award.prize.kind]
        return short + ("" if award.prize.confirmed else " (*)")
    parts = []
    if "individual" in award.nominee_kinds:
        parts.append(f"CN {award.individual_coefficient}")
    if "collective" in award.nominee_kinds:
        parts.append(f"TT {award.collective_coefficient}")
    return " / ".join(parts) + ("" if award.coefficient_confirmed else " (*)")


def cmd_list(out: TextIO, on: date, only: str | None, *, as_json: bool) -> int:
    catalogs = [c for c in rulebook().catalogs_on(on).catalogs if only is None or c.catalog == only]
    if as_json:
        payload = [
            {"catalog": c.catalog, "version": c.version, "awards": [a.model_dump(mode="json") for a in c.awards]}
            for c in catalogs
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
        return 0
    if not catalogs:
        print(f"Không có danh mục nào có hiệu lực ngày {day(on)}", file=out)
        return 1
    rows = [["mã", "tên", "loại", "đối tượng", "cấp quyết định", "hệ số"]]
    for c in catalogs:
        for a in c.awards:
            level = LEVEL_NAMES_VI[a.awarding_level] + (" (đề nghị)" if a.outcome == "proposal" else "")
            categories = ", ".join(CATEGORY_NAMES_VI[k] for k in a.categories)
            rows.append([a.code, a.name, KIND_NAMES_VI[a.kind], categories, level, coefficients(a)])
    print(
        f"Ngày {day(on)}: "
        + "; ".join(f"{CATALOG_NAMES_VI[c.catalog]} {c.version} (từ {day(c.effective_from)})" for c in catalogs),
        file=out,
    )
    table(rows, out)
    print("(*) hệ số chưa xác nhận, xem nguồn bằng `thidua catalog show MÃ`", file=out)
    return 0


def cmd_show(out: TextIO, code: str, *, on: date, version: str | None, as_json: bool) -> int:
    catalog: Catalog | None
    if version is not None:
        catalog = rulebook().catalog_version(version)
        award = catalog.get(code)
        where = f"phiên bản {version}"
    else:
        in_force = rulebook().catalogs_on(on)
        award = in_force.get(code)
        catalog = next((c for c in in_force.catalogs if award is not None and c.version == award.catalog_version), None)
        where = f"danh mục có hiệu lực ngày {day(on)}"
    if award is None or catalog is None:
        print(f"Không có hình thức {code} trong {where}", file=out)
        return 1
    if as_json:
        print(json.dumps(award.model_dump(mode="json"), ensure_ascii=False, indent=2), file=out)
        return 0
    for line in describe(award, catalog):
        print(line, file=out)
    return 0


def prize_line(award: Award) -> str:
    if award.prize is not None:
        p = award.prize
        return f"  khen thưởng kèm theo: {p.describe()} — nguồn: {p.source}" + ("" if p.confirmed else " [chưa xác nhận]")
    return (
        f"  hệ số tiền thưởng: cá nhân {award.individual_coefficient}, tập thể {award.collective_coefficient}"
        + (f" — nguồn: {award.coefficient_source}" if award.coefficient_source else "")
        + ("" if award.coefficient_confirmed else " [chưa xác nhận]")
    )


def describe(award: Award, catalog: Catalog) -> list[str]:
    route = " → ".join(LEVEL_NAMES_VI[lv] for lv in award.route)
    if award.outcome == "proposal":
        final = f"đề nghị {award.decided_by} (Công đoàn chỉ đề nghị)"
    else:
        final = f"quyết định: {award.decided_by or '—'}"
    scope = {"comprehensive": "; phạm vi: toàn diện", "topical": "; phạm vi: chuyên đề", None: ""}[award.scope]
    categories = ", ".join(CATEGORY_NAMES_VI[k] for k in award.categories)
    nominee_kinds = ", ".join(CATEGORY_NAMES_VI[k] for k in award.nominee_kinds)
    lines = [
        f"{award.name} [{award.code}]",
        f"  danh mục: {CATALOG_NAMES_VI[catalog.catalog]}, phiên bản {catalog.version}, từ {day(catalog.effective_from)}",
        f"  mô tả: {award.description or '—'}",
        f"  loại: {KIND_NAMES_VI[award.kind]}{scope}",
        f"  đối tượng: {categories} (hồ sơ cho: {nominee_kinds})",
        f"  các cấp: {route}; {final}",
        prize_line(award),
    ]
    if award.name_template:
        lines.insert(1, f"  tên theo đơn vị ban hành: {award.name_template}")
    if award.topics:
        lines.append("  chuyên đề:")
        lines += [f"    - {t.name} [{t.code}]" for t in award.topics]
    lines.append("  tài liệu bắt buộc:" + ("" if award.documents else " —"))
    lines += [f"    - {catalog.document_name(d)} [{d}]" for d in award.documents]
    lines.append("  tiêu chí:" + ("" if award.criteria else " —"))
    for c in award.criteria:
        flags = ("chặn" if c.on_fail == "block" else "cảnh báo") + ("" if c.confirmed else ", chưa xác nhận")
        lines.append(f"    - {c.describe()} ({c.type}; {flags})")
        lines.append(f"      nguồn: {c.source}")
    lines.append("  hạn mức:" + ("" if award.quotas else " —"))
    for q in award.quotas:
        lines.append(
            f"    - {q.describe()}"
            + ("" if q.confirmed else " (chưa xác nhận)")
            + ("" if q.on_fail == "block" else " [cảnh báo]")
        )
        lines.append(f"      nguồn: {q.source}")
    if award.council is None:
        lines.append("  Hội đồng TĐKT: —")
    else:
        lines.append(f"  Hội đồng TĐKT: {award.council.describe()}" + ("" if award.council.confirmed else " (chưa xác nhận)"))
        lines.append(f"      nguồn: {award.council.source}")
    return lines


def cmd_versions(out: TextIO, *, as_json: bool) -> int:
    files = rulebook().catalog_files()
    if as_json:
        payload = [
            {
                "file": f.path.name,
                "catalog": f.catalog.catalog,
                "version": f.catalog.version,
                "effective_from": f.catalog.effective_from.isoformat(),
                "awards": len(f.catalog.awards),
            }
            for f in files
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
        return 0
    print(f"Thư mục danh mục: {rulebook().catalog_dir}", file=out)
    rows = [["tệp", "danh mục", "phiên bản", "hiệu lực từ", "số hình thức"]]
    rows += [
        [f.path.name, f.catalog.catalog, f.catalog.version, day(f.catalog.effective_from), str(len(f.catalog.awards))]
        for f in files
    ]
    table(rows, out)
    return 0


def target_name(catalog: Catalog) -> str:
    return f"{catalog.catalog}-{catalog.effective_from.isoformat()}.toml"


def install_problems(new: CatalogFile, directory: Path, today: date) -> list[str]:
    """Why a valid version file cannot join the directory: its date, its name, or the rules between versions."""
    problems: list[str] = []
    name = new.path.name
    if new.catalog.effective_from < today:
        problems.append(f"{name}: effective_from: {day(new.catalog.effective_from)} đã qua (hôm nay {day(today)})")
    target = directory / target_name(new.catalog)
    if target.exists():
        problems.append(f"{name}: tệp {target.name} đã có trong {directory}")
    installed = list(load_catalog_dir(directory)) if directory.is_dir() else []
    problems += version_problems([*installed, new])
    return list(dict.fromkeys(problems))


def checked(out: TextIO, file: Path, today: date) -> CatalogFile:
    new = load_catalog_file(file)
    problems = install_problems(new, rulebook().catalog_dir, today)
    if problems:
        raise CatalogError(problems)
    c = new.catalog
    print(f"Hợp lệ: {c.version} ({c.catalog}), hiệu lực từ {day(c.effective_from)}, {len(c.awards)} hình thức", file=out)
    return new


def cmd_check(out: TextIO, file: Path, today: date) -> int:
    checked(out, file, today)
    return 0


def cmd_install(out: TextIO, file: Path, today: date) -> int:
    new = checked(out, file, today)
    directory = rulebook().catalog_dir
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / target_name(new.catalog)
    temporary = target.with_suffix(".toml.part")
    shutil.copyfile(file, temporary)
    temporary.replace(target)  # atomic: a service never reads half a file
    print(f"Đã cài đặt {target}", file=out)
    return 0
