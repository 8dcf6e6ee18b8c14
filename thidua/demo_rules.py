"""The part of `thidua demo` that shows the commendation rules at work on the running system: a dossier
returned with its reasons and resubmitted, refusals explained field by field (eligibility), council votes judged
by rules whose thresholds are unconfirmed (they warn, they do not block), the 2025 reorganisation of every district of
the demo tree (one file each) moving an open task to the new ward union's queue, and two namesakes of one CĐCS told
apart by the register of people.

The scenes before the reorganisation follow the dossier's superior as the tree stands: on a second run the ward union
that replaced the district reviews and signs (demo_world.APPROVERS, SIGNERS)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from thidua.client import ApiError, PortalClient
from thidua.demo_documents import attach_documents
from thidua.demo_world import APPROVERS, SIGNERS, reorganisation_files
from thidua.reorgctl import read_file, wait_for_review

VN = ZoneInfo("Asia/Ho_Chi_Minh")

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


def superior(nomination: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The unit that reviews the CĐCS's dossier first (as the tree stands), its approver, and the unit."""
    unit = nomination["unit_path"][1]
    return unit["code"], APPROVERS[unit["code"]], unit


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
    queue, approver, unit = superior(nomination)
    task = client.task_in_queue(approver, queue, nomination["id"])
    reason = (
        "Thành tích chưa nêu số liệu cụ thể (năng suất, sáng kiến, ngày công); "
        "đề nghị bổ sung và ghi rõ kết quả bình xét của CĐCS."
    )
    client.claim_and_decide(approver, task["id"], "return", reason)
    returned = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "returned", what="returned")
    out(f"   {approver} trả lại hồ sơ {returned['nominee']['name']}: “{returned['last_reason']}”")
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
    task = client.task_in_queue(approver, queue, nomination["id"])
    client.claim_and_decide(approver, task["id"], "approve", "Đã đủ thông tin")
    waiting = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "awaiting_signature", what="Chờ ký")
    out(f"   CĐCS bổ sung, nộp lại (vòng {waiting['round']}); {approver} đồng ý: {waiting['status_label']}.")
    signer = SIGNERS[queue]
    signed = client.sign_draft_of(signer, nomination["id"])
    granted = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "granted", what="granted")
    number = signed["signed"][0]["number_text"]
    out(f"   {signer} (Chủ tịch {unit['short_name']}) ký quyết định số {number}: {granted['status_label']}.")


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
    queue, approver, unit = superior(nomination)
    task = client.task_in_queue(approver, queue, nomination["id"])
    client.post(approver, f"/api/v1/tasks/{task['id']}/claim")
    recorded = client.record_council_vote(approver, task["id"], members=9, present=8, votes_for=4, votes_against=4)
    out(f"   Hội đồng TĐKT {unit['short_name']} họp 8/9 người, hồ sơ {nomination['nominee']['name']}: 4 đồng ý, 4 không đồng ý.")
    [vote] = recorded["votes"]
    out(f"   Kết quả: {vote['summary']}")
    out(f"   {vote['rule']}")
    if recorded["warnings"]:
        out(f"   Lưu ý: {recorded['warnings'][0]}")
    out("   Tỷ lệ chưa xác nhận nên không chặn việc chuyển tiếp; cán bộ vẫn quyết định theo hồ sơ:")
    reason = f"Hội đồng TĐKT {unit['short_name']} không thông qua (4/8 phiếu đồng ý); sáng kiến chưa được công nhận."
    client.post(approver, f"/api/v1/tasks/{task['id']}/decision", {"action": "reject", "comment": reason})
    rejected = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "rejected", what="rejected")
    voted = [s for s in rejected["timeline"] if s["step"] == "council_voted"]
    if voted:
        out(f"   Dòng thời gian: {voted[-1]['label']} — {voted[-1].get('comment') or ''}".rstrip(" —"))
    out(f"   {approver} không duyệt: {rejected['status_label']} — “{rejected['last_reason']}”")


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


# The CĐCS whose open dossier the reorganisation scene follows from its district's queue to the ward union's.
REHOMED_CDCS = "HN-HADONG-VANQUAN"


def reorganisation(client: PortalClient, period: str, submit: Submit, out: Printer) -> None:
    """Apply every shipped reorganisation file, in order; one an earlier run applied is skipped. While Hà Đông's is
    still to apply, a dossier of Văn Quán waits, claimed, in LĐLĐ quận Hà Đông's queue and follows to the ward."""
    district = {u["code"]: u for u in client.get("admin", "/api/v1/units")}.get("HN-HADONG")
    followed = _claimed_dossier(client, period, submit, out) if district and not district.get("valid_to") else None
    applied, reviews = [], []
    for path in reorganisation_files():
        plan = read_file(path)
        try:
            result = client.post("admin", "/api/v1/ops/reorganisations", {"reorganisation": plan, "apply": True})
        except ApiError as exc:
            if exc.problem.get("code") != "reorganisation_applied":
                raise
            continue
        applied.append(result["summary"])
        reviews.append(wait_for_review(client, "admin", result["summary"]["reorganisation_id"]))
    if not applied:
        out("   Sắp xếp tổ chức 2025 đã được áp dụng ở lần chạy trước; bỏ qua bước này.")
        return
    days = ", ".join(sorted({_vn_day(s["effective_on"]) for s in applied}))
    out(f"   admin áp dụng {len(applied)} tệp sắp xếp tổ chức, hiệu lực {days} (mỗi quận, huyện, thị xã một tệp):")
    for summary in applied:
        closed = ", ".join(u["name"] for u in summary["closed"])
        created = ", ".join(u["name"] for u in summary["created"])
        out(
            f"   • giải thể {closed}; thành lập {created}; {summary['cdcs_moved']} CĐCS chuyển về; "
            f"{summary['nominations_repathed']} hồ sơ đang mở đổi tuyến."
        )
    tasks = sum(r.get("tasks_moved", 0) for r in reviews)
    claims = sum(r.get("claims_released", 0) for r in reviews)
    out(
        f"   Cộng: giải thể {sum(len(s['closed']) for s in applied)} LĐLĐ cấp huyện; thành lập "
        f"{sum(len(s['created']) for s in applied)} công đoàn phường, xã; {sum(s['cdcs_moved'] for s in applied)} "
        f"CĐCS chuyển đơn vị cấp trên; {sum(s['nominations_repathed'] for s in applied)} hồ sơ đang mở đổi tuyến; "
        f"xét duyệt chuyển {tasks} nhiệm vụ, nhả {claims} lượt nhận xử lý."
    )
    if followed is None:
        return
    nomination, task = followed
    ward = client.nomination("cdcs.vanquan", nomination["id"])["unit_path"][1]["code"]
    moved = client.task_in_queue("admin", ward, nomination["id"])
    kept = "giữ nguyên hạn" if moved["due_at"] == task["due_at"] else "hạn mới"
    out(f"   Nhiệm vụ nay ở hộp việc {moved['queue_unit_name']} ({kept}, chờ người nhận xử lý mới).")
    timeline = client.nomination("cdcs.vanquan", nomination["id"])["timeline"]
    for step in timeline:
        if step["step"] in ("reorganised", "rehomed"):
            out(f"   Dòng thời gian: {step['label']} — {step.get('comment') or ''}".rstrip(" —"))


def _claimed_dossier(client: PortalClient, period: str, submit: Submit, out: Printer) -> tuple[dict[str, Any], dict[str, Any]]:
    """A dossier of Văn Quán, claimed by its district's approver: the one the reorganisation moves."""
    body = {
        "unit_code": REHOMED_CDCS,
        "award_code": "giay_khen_ldld_huyen",
        "period": period,
        "nominee": {"kind": "individual", "name": "Đỗ Thị Hạnh", "position": "Giáo viên"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học; 1 sáng kiến kinh nghiệm được công nhận cấp trường.",
    }
    nomination = submit("cdcs.vanquan", body)
    queue, approver, unit = superior(nomination)
    task = client.task_in_queue(approver, queue, nomination["id"])
    client.post(approver, f"/api/v1/tasks/{task['id']}/claim")
    out(f"   Hồ sơ {nomination['nominee']['name']} đang ở hộp việc {unit['name']}, {approver} đã nhận xử lý.")
    return nomination, task


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
    out("\n5. Sắp xếp tổ chức 2025 ở mọi quận, huyện, thị xã: hồ sơ đang mở theo CĐCS sang công đoàn phường, xã mới:")
    reorganisation(client, period, submit, out)
    out("\n6. Hai người trùng tên trong một CĐCS: danh sách đoàn viên phân biệt, hồ sơ gắn với đúng người:")
    namesakes(client, period, out)
    out("")


def _vn_day(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
