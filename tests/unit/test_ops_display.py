"""How operations figures are drawn and printed: the 30-day chart, ages, the terminal table, metric families."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from services.portal.web.charts import stacked_days
from shared.platform.instances import InstanceStatus
from shared.platform.observability import Sampler
from shared.platform.opsstatus import ConsumerLag, OpsStatus, age, instance_problems, service_health
from thidua import opsctl

STAGES = [("submitted", "Đã nộp"), ("district", "Cấp huyện"), ("decided", "Đã quyết định")]


def days(counts: list[dict[str, int]]) -> list[dict[str, object]]:
    first = date(2026, 11, 1)
    return [{"date": (first + timedelta(days=i)).isoformat(), **c} for i, c in enumerate(counts)]


def test_each_day_is_one_bar_stacked_by_stage_and_scaled_to_a_round_top() -> None:
    chart = stacked_days(days([{"submitted": 3, "district": 2}, {}, {"decided": 7}]), STAGES, width=300, height=130)
    assert chart.top == 10  # 7 rounds up to 10
    assert chart.total == 12
    assert [r.title for r in chart.rects] == ["01/11: Đã nộp 3", "01/11: Cấp huyện 2", "03/11: Đã quyết định 7"]
    first, second = chart.rects[0], chart.rects[1]
    assert second.y + second.height == first.y  # stacked: district sits on top of submitted
    assert abs(chart.rects[2].height - 0.7 * (130 - 32)) < 0.2
    assert [label for _, label in chart.x_labels] == ["01/11", "03/11"]


def test_an_empty_month_draws_no_bars() -> None:
    chart = stacked_days(days([{}] * 30), STAGES)
    assert chart.rects == []
    assert chart.top == 1


def test_ages_read_like_a_person_would_say_them() -> None:
    assert age(None) == "—"
    assert age(45) == "45 giây"
    assert age(600) == "10 phút"
    assert age(5 * 3600) == "5 giờ"
    assert age(3 * 86400) == "3 ngày"


def test_a_sampled_counter_is_served_with_total_and_a_vanished_label_disappears() -> None:
    registry = CollectorRegistry()
    sampler = Sampler("awards", registry)
    c = sampler.collector
    c.declare("thidua_awards_decisions_issued_total", "Decisions", "counter", ["level"])
    c.declare("thidua_review_queue_depth_tasks", "Depth", "gauge", ["unit"])
    c.set("thidua_awards_decisions_issued_total", [(("city",), 4)])
    c.set("thidua_review_queue_depth_tasks", [(("HN",), 2), (("TLD",), 1)])
    text = generate_latest(registry).decode()
    assert 'thidua_awards_decisions_issued_total{level="city"} 4.0' in text
    assert "# TYPE thidua_awards_decisions_issued_total counter" in text
    c.set("thidua_review_queue_depth_tasks", [(("HN",), 0)])
    assert 'unit="TLD"' not in generate_latest(registry).decode()


def instance(service: str, ready: bool = True, outbox: int = 0) -> InstanceStatus:
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    return InstanceStatus(
        service=service,
        instance=f"{service}-1",
        host="h",
        pid=1,
        http_url="http://h:1",
        started_at=now,
        seen_at=now,
        ready=ready,
        checks={"ready": ready, "outbox_pending": outbox, "outbox_oldest_age_seconds": 90.0 if outbox else 0.0},
    )


def test_the_terminal_report_names_every_service_and_each_problem() -> None:
    instances = [instance("registration"), instance("review", outbox=4), instance("portal")]
    status = OpsStatus(
        at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC),
        healthy=False,
        problems=["Dịch vụ Khen thưởng (awards): không có phiên bản nào sẵn sàng"],
        services=service_health(instances),
        instances=instances,
        consumers=[
            ConsumerLag(stream="REVIEW", durable="awards-review", service="awards", pending=12, ack_pending=0, redelivered=1)
        ],
        dead_letters={"review": 2},
        pipeline={"stages": [{"stage": "submitted", "label": "Đã nộp, chờ xét", "count": 5, "entered_24h": 2}], "per_day": []},
    )
    text = opsctl.render(status)
    assert "CÓ 1 VẤN ĐỀ" in text
    assert "08:00:00" in text  # Vietnam time
    assert "review        1          1         4           90 giây" in text
    assert "awards        0          0         0           —" not in text  # an absent service shows zero instances
    assert "awards        0          0         0           0 giây" in text
    assert "awards-review  REVIEW  12        0        1" in text
    assert "Thư lỗi (DEADLETTER): review 2" in text
    assert "  - Dịch vụ Khen thưởng (awards): không có phiên bản nào sẵn sàng" in text


def test_an_instance_that_is_not_ready_is_a_problem_with_its_own_reason_and_its_waiting_consumers() -> None:
    down = instance("review", ready=False).model_copy(
        update={
            "checks": {
                "ready": False,
                "nats": True,
                "database": False,
                "reason": "database: ConnectionRefusedError: [Errno 111] Connect call failed",
                "waiting": {"review-registration": "ConnectionRefusedError: [Errno 111] Connect call failed"},
            }
        }
    )
    older = instance("awards", ready=False).model_copy(update={"checks": {"ready": False, "nats": True, "database": False}})

    assert instance_problems([instance("registration"), down, older]) == [
        "Phiên bản review@review-1: chưa sẵn sàng (database: ConnectionRefusedError: [Errno 111] Connect call failed)",
        "Phiên bản review@review-1: consumer review-registration chờ hệ thống phục hồi "
        "(ConnectionRefusedError: [Errno 111] Connect call failed)",
        "Phiên bản awards@awards-1: chưa sẵn sàng (database, migrations_current)",  # a heartbeat without a reason
    ]
