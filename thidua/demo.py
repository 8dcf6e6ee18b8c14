"""`thidua demo`: three sample nominations, one per awarding level, through the running system."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shared.rules import periods
from shared.rules.rulebook import Rulebook
from thidua.client import ApiError, PortalClient
from thidua.demo_documents import attach_documents
from thidua.demo_rules import run_rules_demo, superior
from thidua.demo_world import APPROVERS, SIGNERS

VN = ZoneInfo("Asia/Ho_Chi_Minh")

SAMPLES: list[dict[str, Any]] = [
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "giay_khen_ldld_huyen",
            "nominee": {"kind": "individual", "name": "Nguyễn Văn Hùng", "position": "Tổ trưởng sản xuất", "birth_year": 1985},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm; có 2 sáng kiến được công nhận cấp cơ sở, làm lợi 120 triệu đồng.",
        },
        "levels": ["HN-SONTAY"],
    },
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "cong_nhan_gioi_thu_do",
            "nominee": {"kind": "individual", "name": "Lê Thị Mai", "position": "Kỹ sư cơ khí", "birth_year": 1990},
            "achievements": (
                "Công nhân giỏi cấp thị xã 3 năm liền; sáng kiến cải tiến dây chuyền được công nhận cấp thị xã năm nay."
            ),
            "council_vote": {"members": 9, "present": 8, "votes_for": 8, "votes_against": 0, "secret_ballot": True},
        },
        "levels": ["HN-SONTAY", "HN"],
    },
    {
        "submitter": "cdcs.vanquan",
        "body": {
            "unit_code": "HN-HADONG-VANQUAN",
            "award_code": "bang_khen_tong_ldld",
            "nominee": {"kind": "collective", "name": "Công đoàn Trường THCS Văn Quán", "member_count": 86},
            "achievements": (
                "CĐCS vững mạnh xuất sắc nhiều năm liền; tổ chức tốt phong trào "
                "“Giỏi việc nước, đảm việc nhà” và hỗ trợ đồng bào bão lũ."
            ),
        },
        "levels": ["HN-HADONG", "HN", "TLD"],  # before the reorganisation; after it, the ward union's
    },
    {
        "submitter": "cdcs.vanquan",
        "period_kind": "school_year",  # a school's award: the period is the school year under way ("2026-2027")
        "body": {
            "unit_code": "HN-HADONG-VANQUAN",
            "award_code": "giay_khen_ldld_huyen_nam_hoc",
            "nominee": {"kind": "individual", "name": "Trần Thị Thanh Hương", "position": "Giáo viên Ngữ văn"},
            "achievements": "Giáo viên dạy giỏi cấp quận; chủ nhiệm lớp đạt danh hiệu lớp tiên tiến; phong trào “Hai tốt”.",
        },
        "levels": ["HN-HADONG"],
    },
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "chien_si_thi_dua_cap_tinh",  # a state title: LĐLĐ TP proposes it by a tờ trình
            "nominee": {"kind": "individual", "name": "Phạm Đức Thắng", "position": "Quản đốc phân xưởng", "birth_year": 1982},
            "achievements": (
                "Chiến sĩ thi đua cơ sở 3 năm liền; sáng kiến cải tiến khuôn dập được công nhận cấp thành phố, "
                "làm lợi 800 triệu đồng."
            ),
        },
        "levels": ["HN-SONTAY", "HN"],
    },
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            # a flat amount (1.000.000 đ, unconfirmed: seed 000's 53 people, 53 triệu đồng), named after the issuing unit
            "award_code": "bieu_duong_cong_nhan_gioi_sang_kien",
            "nominee": {"kind": "individual", "name": "Trịnh Văn Lợi", "position": "Thợ hàn bậc 5", "birth_year": 1988},
            "achievements": (
                "Công nhân giỏi Tháng Công nhân; sáng kiến gá hàn nhanh được công nhận cấp cơ sở, làm lợi 60 triệu đồng."
            ),
        },
        "levels": ["HN-SONTAY"],
    },
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            # Kỷ niệm chương: years of union service declared (10 by default, unconfirmed: a warning if short), no prize
            "award_code": "ky_niem_chuong_cong_doan",
            "nominee": {
                "kind": "individual",
                "name": "Đặng Thị Hoa",
                "position": "Chủ tịch Công đoàn cơ sở",
                "birth_year": 1972,
                "union_service_years": 18,
            },
            "achievements": (
                "18 năm làm cán bộ công đoàn cơ sở, 12 năm Chủ tịch Công đoàn cơ sở; Công đoàn cơ sở vững mạnh nhiều năm."
            ),
        },
        "levels": ["HN-SONTAY", "HN", "TLD"],
    },
]


def submit_unique(client: PortalClient, user: str, body: dict[str, Any], *, documents: bool = True) -> dict[str, Any]:
    """Submit with the award's documents (none with `documents=False`, where the rules in force do not require them);
    if an earlier run already nominated this person (still in review, or granted for the same achievement this period),
    nominate a numbered namesake with their own wording instead."""
    body = {**body, "attachments": attach_documents(client, user, body) if documents else []}
    base = body["nominee"]["name"]
    for attempt in range(1, 50):
        if attempt == 1:
            nominee, achievements = body["nominee"], body["achievements"]
        else:
            nominee = {**body["nominee"], "name": f"{base} ({attempt})"}
            achievements = f"{body['achievements']} (Hồ sơ mẫu số {attempt}.)"
        try:
            return client.submit(user, {**body, "nominee": nominee, "achievements": achievements})
        except ApiError as exc:
            if not _repeat_of_earlier_run(exc):
                raise
    raise RuntimeError("too many earlier demo nominations")


def _repeat_of_earlier_run(exc: ApiError) -> bool:
    if exc.problem.get("code") == "duplicate_nomination":
        return True
    fields = {f.get("field") for f in exc.problem.get("fields") or []}
    return exc.problem.get("code") == "not_eligible" and fields == {"achievements"}


def review_levels(nomination: dict[str, Any]) -> list[str]:
    """The units that review the nomination, nearest first, up to the awarding level (as the tree stands now)."""
    levels = []
    for unit in nomination["unit_path"][1:]:
        levels.append(unit["code"])
        if unit["level"] == nomination["awarding_level"]:
            break
    return levels


def drive(
    client: PortalClient,
    sample: dict[str, Any],
    period: str,
    *,
    documents: bool = True,
    phases: dict[str, float] | None = None,
) -> tuple[dict[str, Any], float]:
    """The sample submitted, approved at each level as soon as its task shows, signed and decided: the nomination as
    decided, and the seconds it took. `phases`, when given, gets the seconds of each phase (PHASES), summed over the
    levels."""
    started = lap = time.monotonic()

    def done(phase: str) -> None:
        nonlocal lap
        now = time.monotonic()
        if phases is not None:
            phases[phase] = phases.get(phase, 0.0) + now - lap
        lap = now

    if sample.get("period_kind"):  # not a calendar year: the period of that kind under way today
        today = datetime.now(VN).date()
        period = periods.current(sample["period_kind"], today, Rulebook().period_rules_on(today)).text
    nomination = submit_unique(client, sample["submitter"], {**sample["body"], "period": period}, documents=documents)
    done("submit")
    levels = review_levels(nomination)
    for unit in levels:
        approver = APPROVERS[unit]
        task = client.task_in_queue(approver, unit, nomination["id"])
        done("task in queue")
        client.claim_and_decide(approver, task["id"], "approve", f"Đồng ý ({unit})")
        done("claim, vote, approve")
    client.sign_draft_of(SIGNERS[levels[-1]], nomination["id"])  # the awarding unit's Chủ tịch signs the decision
    done("draft signed")
    decided = client.wait_for(
        sample["submitter"], nomination["id"], lambda n: n["status"] in ("granted", "proposed"), what="decided"
    )
    done("decided")
    return decided, time.monotonic() - started


# drive's phases, in order: the submission (its documents uploaded first), the wait for each level's task to show in
# its queue, each level's claim, council vote and approval, the wait for the draft and its signing, the wait until the
# nomination reads as decided.
PHASES = ("submit", "task in queue", "claim, vote, approve", "draft signed", "decided")


def format_timeline(nomination: dict[str, Any]) -> str:
    decision = nomination.get("decision") or {}
    if decision.get("kind") == "proposal":
        outcome = f" · Tờ trình số {decision['number_text']} đề nghị {decision.get('decided_by', '')}"
    elif decision:
        amount = decision["prize_amount_vnd"]
        prize = f"Tiền thưởng {money(amount)}" if amount else "Không kèm tiền thưởng"
        outcome = f" · Quyết định số {decision['number_text']} · {prize}"
    else:
        outcome = ""
    lines = [
        f"■ {nomination['nominee']['name']} — {nomination['award_name']} ({nomination['period']})",
        f"  Trạng thái: {nomination['status_label']}{outcome}",
    ]
    files = nomination.get("attachments") or []
    if files:
        lines.append(f"  Tài liệu ({len(files)} tệp): " + "; ".join(f"{a['document_name']} ({a['size_text']})" for a in files))
    for step in nomination["timeline"]:
        at = datetime.fromisoformat(step["at"]).astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")
        comment = f" — {step['comment']}" if step.get("comment") else ""
        lines.append(f"  {at}  {step['label']:<32} {step['actor_name']} · {step['unit_name'] or ''}{comment}")
    return "\n".join(lines)


def check_download(client: PortalClient, user: str, nomination: dict[str, Any]) -> str:
    """An approver downloads the dossier's first file; its SHA-256 must be the one recorded at submission."""
    first = (nomination.get("attachments") or [None])[0]
    if first is None:
        return "  (hồ sơ không có tài liệu)"
    data = client.download(user, nomination["id"], first["id"])
    if hashlib.sha256(data).hexdigest() != first["sha256"]:
        raise RuntimeError(f"downloaded {first['filename']} does not match its SHA-256")
    return f"  ⇩ {user} tải {first['filename']} ({len(data)} byte), SHA-256 khớp {first['sha256'][:12]}…"


def check_signature(client: PortalClient, user: str, nomination: dict[str, Any]) -> str:
    """The decision (or tờ trình) as its officer signed it, checked as anyone can check it (/xac-thuc); a file that
    does not verify stops the demo."""
    decision = nomination["decision"]
    what = "Tờ trình" if decision.get("kind") == "proposal" else "Quyết định"
    pdf = client.http.get(
        f"/api/v1/decisions/{decision['decision_id']}.pdf", headers={"Authorization": f"Bearer {client.tokens[user]}"}
    )
    pdf.raise_for_status()
    checked = client.http.post("/api/v1/documents/verify", files={"file": ("van-ban.pdf", pdf.content, "application/pdf")})
    checked.raise_for_status()
    verification = checked.json()
    if not verification["valid"]:
        problems = "; ".join(p["message"] for p in verification["problems"])
        raise RuntimeError(f"{what} số {decision['number_text']} does not verify: {problems}")
    [signature] = verification["signatures"]
    demo = " (chứng thư của CA demo)" if signature["demo_ca"] else ""
    return (
        f"  ✔ {what} số {decision['number_text']} ký số bởi {signature['signer_name']}, "
        f"{signature['signer_common_name']}{demo}: nguyên vẹn, hợp lệ"
    )


def record_state_outcome(client: PortalClient, sample: dict[str, Any], nomination: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The state authority's answer to LĐLĐ TP's tờ trình, as its office records it when the decision arrives: the
    title granted (a demo number: the system does not issue the state's decisions). The dossier becomes granted and
    its title joins the nominee's history."""
    proposal = nomination["decision"]
    issuer = proposal["issuer"]["code"]
    today = datetime.now(VN).date()
    answer = {
        "authority": "Chủ tịch Ủy ban nhân dân thành phố Hà Nội",
        "number_text": f"{900 + int(proposal['number'])}/QĐ-UBND",
        "decided_on": today.isoformat(),
        "items": [{"nomination_id": nomination["id"], "granted": True}],
        "note": "Số quyết định minh hoạ của bản demo",
    }
    try:
        client.post(APPROVERS[issuer], f"/api/v1/decisions/{proposal['decision_id']}/state-outcome", answer)
    except ApiError as exc:
        if exc.problem.get("code") != "outcome_already_recorded":  # a tờ trình of an earlier run, answered then
            raise
    granted = client.wait_for(sample["submitter"], nomination["id"], lambda n: n["status"] == "granted", what="state outcome")
    outcome = granted["decision"]["state_outcome"]
    line = (
        f"  ✔ {APPROVERS[issuer]} ghi nhận kết quả: Quyết định số {outcome['number_text']} ngày "
        f"{today:%d/%m/%Y} của {outcome['authority']} — {granted['status_label']}"
    )
    return granted, line


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def run_demo(base_url: str, password: str) -> int:

    client = PortalClient(base_url)
    try:
        for user in {s["submitter"] for s in SAMPLES} | set(APPROVERS.values()) | set(SIGNERS.values()) | {"admin"}:
            client.login(user, password)
        period = str(datetime.now(VN).year)
        for sample in SAMPLES:
            nomination, seconds = drive(client, sample, period)
            print(format_timeline(nomination))
            print(check_download(client, APPROVERS[review_levels(nomination)[0]], nomination))
            print(check_signature(client, sample["submitter"], nomination))
            if nomination["decision"].get("kind") == "proposal":
                nomination, recorded = record_state_outcome(client, sample, nomination)
                print(recorded)
            print(f"  ⏱ {seconds:.2f} s từ lúc nộp đến quyết định qua {len(review_levels(nomination))} cấp\n")
        run_rules_demo(client, period, lambda user, body: submit_unique(client, user, body), print)
    finally:
        client.close()
    return 0


# `thidua demo --escalation`: deadlines, a reminder, escalation by authority (the city alerted, urging, a new due date,
# receiving a forward step directly) and the mails it sends, by moving the clock.

ESCALATION_SAMPLES = [
    ("Phan Văn Đức", "Tổ trưởng tổ bảo dưỡng", "Người lao động tiêu biểu, 3 sáng kiến cấp thị xã trong năm."),
    ("Hoàng Thị Yến", "Kế toán trưởng", "Hoàn thành xuất sắc nhiệm vụ 5 năm liền, tích cực hoạt động công đoàn."),
]


# Who gets which of the demo's notes by email too (each person's choice, as on /tai-khoan/thong-bao): the approver of
# the CĐCS's direct superior (ld.sontay; after `thidua demo` applied the 2025 reform, the ward union's cd.psontay) and
# the city's.
DISTRICT_MAILS = ("overdue", "urged", "sent_back")
CITY_MAILS = {"ld.hanoi": ("escalated_in",)}


def run_escalation_demo(base_url: str, password: str, var_dir: Path) -> int:
    from thidua.clockctl import change_clock

    client = PortalClient(base_url)
    try:
        for user in ("cdcs.dst", "ld.hanoi"):
            client.login(user, password)
        system_now = _system_now(client)
        period = str(system_now.astimezone(VN).year)
        tasks = []
        for name, position, achievements in ESCALATION_SAMPLES:
            body = {
                "unit_code": "HN-SONTAY-DST",
                "award_code": "bang_khen_tong_ldld",
                "period": period,
                "nominee": {"kind": "individual", "name": name, "position": position},
                "achievements": achievements,
            }
            nomination = submit_unique(client, "cdcs.dst", body)
            queue, approver, unit = superior(nomination)  # LĐLĐ thị xã Sơn Tây, or the ward union after the reform
            if approver not in client.tokens:
                client.login(approver, password)
                mails = {approver: DISTRICT_MAILS} | CITY_MAILS
                for user, kinds in mails.items():  # these notes also go by email, to the demo mailbox
                    items = [{"kind": k, "delivery": "email_now"} for k in kinds]
                    client.put(user, "/api/v1/me/notification-preferences", {"items": items})
            tasks.append(client.task_in_queue(approver, queue, nomination["id"]))
        first, name = tasks[0], unit["short_name"]
        opened, due = datetime.fromisoformat(first["opened_at"]), datetime.fromisoformat(first["due_at"])
        print(f"1. Hai hồ sơ Bằng khen Tổng LĐLĐ của CĐCS Công ty CP tập đoàn DST vào hộp việc {name}.")
        print(f"   Mở lúc {_vn(opened)}, hạn xử lý {_vn(due)} (10 ngày làm việc, trừ thứ Bảy, Chủ nhật và ngày lễ).\n")

        remind_at = opened + (due - opened) * 0.8 + timedelta(minutes=1)
        print(f"2. Dời đồng hồ tới {_vn(remind_at)} (80 % thời hạn) — {change_clock('set', _iso(remind_at), var_dir)}")
        _check_clock_moved(client, remind_at)
        bell = client.poll(
            lambda: client.get(approver, "/api/v1/notifications", unread_only=True),
            lambda page: any(n["kind"] == "before_due" for n in page["items"]),
            what="the 80 % reminder",
        )
        print(f"   Chuông của {approver}: {bell['unread']} thông báo chưa đọc, ví dụ “{bell['items'][0]['text']}”.\n")

        late_at = due + timedelta(minutes=1)
        print(f"3. Dời đồng hồ qua hạn, tới {_vn(late_at)} — {change_clock('set', _iso(late_at), var_dir)}")
        below = client.poll(
            lambda: list(client.every("ld.hanoi", "/api/v1/queues/HN/overdue-below")),
            lambda items: {t["id"] for t in tasks} <= {t["id"] for t in items},
            what="LĐLĐ TP Hà Nội alerted of the overdue tasks",
        )
        for t in (t for t in below if t["id"] in {x["id"] for x in tasks}):
            late = f"{t['nominee_name']} — quá hạn ở {t['unit_name']} từ {_vn_date(t['due_at'])}"
            print(f"   LĐLĐ TP Hà Nội, “Quá hạn ở cấp dưới”: {late}")
        own = client.get(approver, f"/api/v1/queues/{queue}/tasks", state="escalated_out", limit=1)
        print(
            f"   Hồ sơ vẫn ở hộp việc {name} ({own['counts']['escalated_out']} hồ sơ “Quá hạn – đã báo cấp trên”):"
            " cấp trên không quyết định thay cấp dưới.\n"
        )

        _superior_steps(client, tasks, late_at, approver, name)

        print("7. Dòng thời gian của hai hồ sơ:\n")
        for task in tasks:
            nomination = client.wait_for(
                "cdcs.dst",
                task["nomination_id"],
                lambda n: any(s["step"] in ("forwarded", "taken_up") for s in n["timeline"]),
                what="forwarded or received directly by the city",
            )
            print(format_timeline(nomination) + "\n")
        print(
            f"Thư báo đã gửi ({approver}: quá hạn, đôn đốc, hạn mới; ld.hanoi: quá hạn ở cấp dưới), nếu hệ thống chạy bằng "
            f"`make run` với hộp thư demo: {base_url.rstrip('/')}/hop-thu-demo (lọc: ?nguoi_nhan={approver}@demo.thidua.example)"
        )
        print("Đồng hồ hệ thống vẫn đang dời để xem tiếp trên giao diện; trả về giờ thực: .venv/bin/thidua clock reset")
    finally:
        client.close()
    return 0


def _superior_steps(client: PortalClient, tasks: list[dict[str, Any]], late_at: datetime, approver: str, name: str) -> None:
    """What LĐLĐ TP Hà Nội does with the district's overdue tasks (or, after the 2025 reform, the ward union's): urges,
    sets a new due date, receives one directly. `approver` works the unit called `name`."""
    take, back = tasks
    message = f"Đề nghị {name} hoàn thành thẩm định trong tuần này"
    client.post("ld.hanoi", f"/api/v1/tasks/{back['id']}/urge", {"message": message})
    print(f"4. ld.hanoi đôn đốc hồ sơ {back['nominee_name']}: “{message}”.")
    urged = client.poll(
        lambda: client.get(approver, "/api/v1/notifications", unread_only=True),
        lambda page: any(n["kind"] == "urged" for n in page["items"]),
        what="the urging in the district's bell",
    )
    print(f"   Chuông của {approver}: “{next(n['text'] for n in urged['items'] if n['kind'] == 'urged')}”.\n")

    new_due = (late_at.astimezone(VN) + timedelta(days=5)).date()
    reason = f"{name} đang chờ biên bản họp Hội đồng Thi đua – Khen thưởng"
    client.post("ld.hanoi", f"/api/v1/tasks/{back['id']}/due-date", {"due_on": new_due.isoformat(), "reason": reason})
    print(f"5. ld.hanoi đặt hạn mới {new_due:%d/%m/%Y} cho hồ sơ {back['nominee_name']} ({reason}).")
    client.claim_and_decide(approver, back["id"], "approve", "Đã hoàn thiện thẩm định")
    print(f"   {approver} nhận xử lý, đồng ý và chuyển lên cấp thành phố trong hạn mới.\n")

    client.post("ld.hanoi", f"/api/v1/tasks/{take['id']}/receive-directly", {"comment": "Xét vượt cấp do quá hạn"})
    city = client.task_in_queue("ld.hanoi", "HN", take["nomination_id"])
    print(f"6. Bằng khen Tổng LĐLĐ đằng nào cũng qua cấp thành phố: ld.hanoi nhận trực tiếp hồ sơ {take['nominee_name']}.")
    print(
        f"   Bước của {name} khép lại “Cấp trên nhận trực tiếp do quá hạn”; hồ sơ vào hộp việc "
        f"{city['unit_name']}, xét ở cấp thành phố với Hội đồng của cấp mình (hạn {_vn_date(city['due_at'])}).\n"
    )


def _system_now(client: PortalClient) -> datetime:
    return datetime.fromisoformat(client.get("cdcs.dst", "/api/v1/clock")["now"])


def _check_clock_moved(client: PortalClient, target: datetime) -> None:
    """The services read the clock file in the var directory they were started with; say so if it is another one."""
    client.poll(
        lambda: _system_now(client),
        lambda now: abs((now - target).total_seconds()) < 120,
        timeout=10,
        what="the portal on the moved clock (is the system running with this --var-dir?)",
    )


def _iso(at: datetime) -> str:
    return at.astimezone(VN).replace(tzinfo=None).isoformat(timespec="seconds")


def _vn(at: datetime) -> str:
    return at.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def _vn_date(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VN).strftime("%d/%m/%Y")
