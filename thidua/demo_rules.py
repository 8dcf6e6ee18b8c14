"""The part of `thidua demo` that shows the commendation rules at work on the running system: a dossier
returned with its reasons and resubmitted, refusals explained field by field (eligibility), council votes judged
by rules whose thresholds are unconfirmed (they warn, they do not block), the 2025 reorganisation moving an open
task to the new ward union's queue, and two namesakes of one CĐCS told apart by the register of people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.rules.reference import DATA_DIR
from thidua.client import ApiError, PortalClient
from thidua.demo_documents import attach_documents
from thidua.reorgctl import read_file, wait_for_review

VN = ZoneInfo("Asia/Ho_Chi_Minh")
REORGANISATION_FILE = DATA_DIR / "reorganisations" / "2025-07-01-thanh-xuan.toml"

Printer = Callable[[str], None]
Submit = Callable[[str, dict[str, Any]], dict[str, Any]]


def refusal_lines(exc: ApiError) -> list[str]:
    """An API refusal as a person reads it: the title, then each field's reason (and its source, in the message)."""
    title, fields = exc.problem.get("title"), exc.problem.get("fields") or []
    if len(fields) == 1 and fields[0].get("message") == title:
        return [f"   Bị từ chối ({exc.status} {exc.problem.get('code')}) ở trường {fields[0].get('field')}: {title}"]
    return [f"   Bị từ chối ({exc.status} {exc.problem.get('code')}): {title}"] + [
        f"   • {field.get('field')}: {field.get('message')}" for field in fields
    ]


def filed(client: PortalClient, user: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body with a PDF for each document its award requires (so a refusal is about what the scene shows)."""
    return {**body, "attachments": attach_documents(client, user, body)}


def refused(client: PortalClient, user: str, body: dict[str, Any], code: str, out: Printer) -> None:
    """Submit (with the award's documents), expect the refusal `code`, and print it."""
    complete = filed(client, user, body)
    for line in refusal_lines(expect_refusal(lambda: client.submit(user, complete), code)):
        out("  " + line)


def expect_refusal(action: Callable[[], Any], code: str) -> ApiError:
    try:
        action()
    except ApiError as exc:
        if exc.problem.get("code") != code:
            raise
        return exc
    raise RuntimeError(f"expected a refusal with code {code}, but the system accepted it")


def returned_dossier(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": period,
        "nominee": {"kind": "individual", "name": "Đinh Thị Thu", "position": "Công nhân may", "birth_year": 1992},
        "achievements": "Hoàn thành tốt nhiệm vụ năm.",
    }
    nomination = submit("cdcs.dst", body)
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    reason = (
        "Thành tích chưa nêu số liệu cụ thể (năng suất, sáng kiến, ngày công); "
        "đề nghị bổ sung và ghi rõ kết quả bình xét của CĐCS."
    )
    client.claim_and_decide("ld.sontay", task["id"], "return", reason)
    returned = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "returned", what="returned")
    out(f"   ld.sontay trả lại hồ sơ {returned['nominee']['name']}: “{returned['last_reason']}”")
    # The supplement is dated, as a real one is (and so differs from an earlier demo run's: one achievement, one award).
    dated = f" Bổ sung ngày {datetime.now(VN):%d/%m/%Y %H:%M:%S}."
    client.post(
        "cdcs.dst",
        f"/api/v1/nominations/{nomination['id']}/resubmit",
        {
            "achievements": (
                "Hoàn thành xuất sắc nhiệm vụ năm, vượt 12 % định mức sản phẩm; 1 sáng kiến cải tiến thao tác "
                "được công nhận cấp cơ sở; 100 % ngày công; CĐCS bình xét 27/30 phiếu đồng ý." + dated
            ),
            "comment": "Đã bổ sung số liệu và kết quả bình xét",
        },
    )
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    client.claim_and_decide("ld.sontay", task["id"], "approve", "Đã đủ thông tin")
    waiting = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "awaiting_signature", what="Chờ ký")
    out(f"   CĐCS bổ sung, nộp lại (vòng {waiting['round']}); ld.sontay đồng ý: {waiting['status_label']}.")
    signed = client.sign_draft_of("ky.sontay", nomination["id"])
    granted = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "granted", what="granted")
    number = signed["signed"][0]["number_text"]
    out(f"   ky.sontay (Chủ tịch LĐLĐ thị xã Sơn Tây) ký quyết định số {number}: {granted['status_label']}.")


def refusals(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    base = {"unit_code": "HN-SONTAY-DST", "period": period}
    second_prize = {
        **base,
        "award_code": "giai_thuong_nguyen_van_linh",
        "nominee": {
            "kind": "individual",
            "name": "Bùi Văn Sơn",
            "position": "Chủ tịch công đoàn cơ sở",
            "title_history": [{"year": 2019, "title": "giai_thuong_nguyen_van_linh"}],
        },
        "achievements": "Nhiều năm xây dựng tổ chức công đoàn vững mạnh.",
    }
    out("   a) Đề nghị Giải thưởng Nguyễn Văn Linh cho người đã nhận năm 2019 (quy định đã xác nhận nguồn):")
    refused(client, "cdcs.dst", second_prize, "not_eligible", out)
    unconfirmed = {
        **base,
        "award_code": "giay_khen_ldld_huyen",
        "nominee": {"kind": "individual", "name": "Bùi Văn Hải", "months_employed": 8, "absence_working_days": 45},
        "achievements": "Hoàn thành nhiệm vụ được giao.",
    }
    out("   Người lao động mới làm 8 tháng, nghỉ 45 ngày làm việc (điều kiện loại trừ chưa xác nhận nguồn):")
    accepted = submit("cdcs.dst", unconfirmed)
    out(f"   Nộp được ({accepted['status_label']}); người duyệt thấy cảnh báo:")
    for check in accepted["eligibility"]:
        if check["status"] == "warning" and check.get("field") in ("nominee.months_employed", "nominee.absence_working_days"):
            out(f"   • {check['field']}: {check['message']} (Nguồn: {check['source']})")
    failed_vote = {
        **base,
        "award_code": "cong_nhan_gioi_thu_do",
        "nominee": {"kind": "individual", "name": "Vũ Thị Lan", "position": "Kỹ thuật viên"},
        "achievements": "Công nhân giỏi cấp thị xã 3 năm liền, 2 sáng kiến được công nhận.",
        "council_vote": {"members": 9, "present": 7, "votes_for": 4, "votes_against": 3, "secret_ballot": True},
    }
    out("   b) Ban Chấp hành CĐCS họp 7/9 người, 4 phiếu đồng ý (cần quá 1/2 tổng số, tỷ lệ chưa xác nhận):")
    accepted = submit("cdcs.dst", failed_vote)
    for check in accepted["eligibility"]:
        if check["rule"] == "council_vote":
            out(f"   Nộp được ({accepted['status_label']}), kèm lưu ý cho cấp duyệt: {check['message']}")


def council_at_review(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "cong_nhan_gioi_thu_do",
        "period": period,
        "nominee": {"kind": "individual", "name": "Tạ Văn Lực", "position": "Thợ hàn"},
        "achievements": "Hoàn thành kế hoạch năm; 1 sáng kiến đang chờ công nhận.",
        "council_vote": {"members": 9, "present": 9, "votes_for": 7, "votes_against": 2, "secret_ballot": True},
    }
    nomination = submit("cdcs.dst", body)
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    client.post("ld.sontay", f"/api/v1/tasks/{task['id']}/claim")
    recorded = client.record_council_vote("ld.sontay", task["id"], members=9, present=8, votes_for=4, votes_against=4)
    out(f"   Hội đồng TĐKT LĐLĐ thị xã Sơn Tây họp 8/9 người, hồ sơ {nomination['nominee']['name']}: 4 đồng ý, 4 không đồng ý.")
    [vote] = recorded["votes"]
    out(f"   Kết quả: {vote['summary']}")
    out(f"   {vote['rule']}")
    if recorded["warnings"]:
        out(f"   Lưu ý: {recorded['warnings'][0]}")
    out("   Tỷ lệ chưa xác nhận nên không chặn việc chuyển tiếp; cán bộ vẫn quyết định theo hồ sơ:")
    reason = "Hội đồng TĐKT thị xã không thông qua (4/8 phiếu đồng ý); sáng kiến chưa được công nhận."
    client.post("ld.sontay", f"/api/v1/tasks/{task['id']}/decision", {"action": "reject", "comment": reason})
    rejected = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "rejected", what="rejected")
    voted = [s for s in rejected["timeline"] if s["step"] == "council_voted"]
    if voted:
        out(f"   Dòng thời gian: {voted[-1]['label']} — {voted[-1].get('comment') or ''}".rstrip(" —"))
    out(f"   ld.sontay không duyệt: {rejected['status_label']} — “{rejected['last_reason']}”")


def campaigns(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    nominee = {"kind": "individual", "position": "Công nhân vận hành"}
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "cong_nhan_gioi_thu_do",
        "period": period,
        "achievements": "Vượt năng suất 15 %, 1 sáng kiến được công nhận cấp thị xã trong đợt thi đua.",
        "council_vote": {"members": 9, "present": 9, "votes_for": 9, "votes_against": 0, "secret_ballot": True},
    }
    late = {**body, "campaign_code": "HN-2023-CAO-DIEM-150", "nominee": {**nominee, "name": "Hà Văn Tùng"}}
    out("   a) Nộp hồ sơ “Công nhân giỏi Thủ đô” theo đợt thi đua 150 ngày đêm năm 2023 (80/KH-LĐLĐ), nay đã hết hạn:")
    refused(client, "cdcs.dst", late, "campaign_window_closed", out)

    today = datetime.fromisoformat(client.get("ld.hanoi", "/api/v1/clock")["now"]).astimezone(VN).date()
    code = f"HN-{today.year}-DEMO-{datetime.now(VN):%H%M%S}"
    client.post(
        "ld.hanoi",
        "/api/v1/campaigns",
        {
            "code": code,
            "name": "Đợt thi đua ngắn hạn (hồ sơ mẫu) về Công nhân giỏi Thủ đô",
            "plan_ref": f"{today.month}/KH-LĐLĐ",
            "launching_unit_code": "HN",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
            "targets": [{"award_code": "cong_nhan_gioi_thu_do", "quota": 2}],
        },
    )
    out(f"   b) ld.hanoi phát động đợt {code}, chỉ tiêu 2 “Công nhân giỏi Thủ đô”:")
    for name in ("Kiều Thị Nga", "Đào Văn Khánh"):
        accepted = submit("cdcs.dst", {**body, "campaign_code": code, "nominee": {**nominee, "name": name}})
        out(f"   nộp {accepted['nominee']['name']}: {accepted['status_label']}")
    third = {**body, "campaign_code": code, "nominee": {**nominee, "name": "Lý Thị Bích"}}
    refused(client, "cdcs.dst", third, "campaign_quota_reached", out)


def reorganisation(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    units = {u["code"]: u for u in client.get("admin", "/api/v1/units")}
    closing = units.get("HN-THANHXUAN")
    if closing is None or closing.get("valid_to"):
        out("   Sắp xếp tổ chức Thanh Xuân đã được áp dụng ở lần chạy trước; bỏ qua bước này.")
        return
    body = {
        "unit_code": "HN-THANHXUAN-VANQUAN",
        "award_code": "giay_khen_ldld_huyen",
        "period": period,
        "nominee": {"kind": "individual", "name": "Đỗ Thị Hạnh", "position": "Giáo viên"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học; 1 sáng kiến kinh nghiệm được công nhận cấp trường.",
    }
    nomination = submit("cdcs.vanquan", body)
    task = client.task_in_queue("ld.thanhxuan", "HN-THANHXUAN", nomination["id"])
    client.post("ld.thanhxuan", f"/api/v1/tasks/{task['id']}/claim")
    out(f"   Hồ sơ {nomination['nominee']['name']} đang ở hộp việc LĐLĐ quận Thanh Xuân, ld.thanhxuan đã nhận xử lý.")
    plan = read_file(REORGANISATION_FILE)
    applied = client.post("admin", "/api/v1/ops/reorganisations", {"reorganisation": plan, "apply": True})
    summary = applied["summary"]
    review = wait_for_review(client, "admin", summary["reorganisation_id"])
    out(f"   admin áp dụng “{summary['title']}” (hiệu lực {_vn_day(summary['effective_on'])}):")
    out(f"   giải thể {', '.join(u['name'] for u in summary['closed'])}; thành lập {len(summary['created'])} công đoàn phường;")
    out(
        f"   {summary['cdcs_moved']} CĐCS chuyển đơn vị cấp trên; xét duyệt chuyển {review.get('tasks_moved', 0)} nhiệm vụ, "
        f"nhả {review.get('claims_released', 0)} lượt nhận xử lý."
    )
    moved = client.task_in_queue("admin", "HN-P-THANHXUAN", nomination["id"])
    kept = "giữ nguyên hạn" if moved["due_at"] == task["due_at"] else "hạn mới"
    out(f"   Nhiệm vụ nay ở hộp việc {moved['queue_unit_name']} ({kept}, chờ người nhận xử lý mới).")
    timeline = client.nomination("cdcs.vanquan", nomination["id"])["timeline"]
    for step in timeline:
        if step["step"] in ("reorganised", "rehomed"):
            out(f"   Dòng thời gian: {step['label']} — {step.get('comment') or ''}".rstrip(" —"))


NAMESAKES = (
    {"full_name": "Trần Văn Nam", "birth_date": "1968-04-10", "gender": "male", "position": "Tổ trưởng tổ điện"},
    {"full_name": "Trần Văn Nam", "birth_date": "1995-09-21", "gender": "male", "position": "Công nhân vận hành"},
)


def namesakes(client: PortalClient, period: str, out: Printer) -> None:
    """Two members of one CĐCS with the same name, told apart by the register of people: the dossier names one."""
    rows = [{"row": i + 2, **person} for i, person in enumerate(NAMESAKES)]
    imported = client.post("cdcs.dst", "/api/v1/people/import", {"unit_code": "HN-SONTAY-DST", "rows": rows})
    out(
        f"   cdcs.dst nhập danh sách đoàn viên: thêm {imported['created']}, "
        f"{imported['unchanged']} người đã có (nhập lại không nhân bản)."
    )
    found = client.get("cdcs.dst", "/api/v1/people", unit_code="HN-SONTAY-DST", q="tran van nam")["items"]
    elder, younger = (next(p for p in found if p["birth_date"] == n["birth_date"]) for n in NAMESAKES)
    for p in (elder, younger):
        out(f"   • {p['salutation']} {p['full_name']}, sinh {_vn_day(p['birth_date'])}, {p['position']}")
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": period,
        "nominee": {"kind": "individual", "name": younger["full_name"], "person_id": younger["id"]},
        "achievements": "Vận hành trạm biến áp an toàn cả năm; sáng kiến giảm tổn thất điện năng được công nhận cấp cơ sở.",
    }
    try:
        nomination = client.submit("cdcs.dst", filed(client, "cdcs.dst", body))
        out(f"   Hồ sơ Giấy khen nộp cho người sinh {_vn_day(younger['birth_date'])} ({nomination['nominee']['position']}).")
    except ApiError as exc:
        if exc.problem.get("code") != "duplicate_nomination":
            raise
        out(f"   Hồ sơ Giấy khen của người sinh {_vn_day(younger['birth_date'])} đã nộp ở lần chạy trước.")
    titles = {p["id"]: client.get("cdcs.dst", f"/api/v1/people/{p['id']}")["titles"] for p in (elder, younger)}
    out(
        f"   Hồ sơ theo người: sinh {_vn_day(younger['birth_date'])}: {len(titles[younger['id']])}; "
        f"sinh {_vn_day(elder['birth_date'])}: {len(titles[elder['id']])} (người trùng tên không bị tính chung)."
    )


def run_rules_demo(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    out("Quy định thi đua, khen thưởng trên hệ thống đang chạy\n")
    out("1. Hồ sơ bị trả lại kèm lý do, CĐCS bổ sung và nộp lại:")
    returned_dossier(client, period, submit, out)
    out("\n2. Hồ sơ không đạt quy định đã xác nhận bị từ chối ngay khi nộp, nêu lý do theo từng trường và căn cứ;")
    out("   quy định và ngưỡng biểu quyết chưa xác nhận chỉ cảnh báo:")
    refusals(client, period, submit, out)
    out("\n3. Hội đồng TĐKT cấp trên biểu quyết dưới ngưỡng (chưa xác nhận): cảnh báo, cán bộ không duyệt kèm lý do:")
    council_at_review(client, period, submit, out)
    out("\n4. Đợt thi đua: ngoài thời gian nhận hồ sơ, và khi đã đủ chỉ tiêu:")
    campaigns(client, period, submit, out)
    out("\n5. Sắp xếp tổ chức: hồ sơ đang mở theo CĐCS sang công đoàn phường mới:")
    reorganisation(client, period, submit, out)
    out("\n6. Hai người trùng tên trong một CĐCS: danh sách đoàn viên phân biệt, hồ sơ gắn với đúng người:")
    namesakes(client, period, out)
    out("")


def _vn_day(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
