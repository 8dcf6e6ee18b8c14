"""The console's menu: what each role sees, with the less used entries under two groups so it keeps to one row."""

from __future__ import annotations

from typing import Any

from services.portal.web.rendering import navigation
from shared.contracts.events import Actor, RoleGrant


def actor(*grants: tuple[str, str | None]) -> Actor:
    return Actor(user_id="u1", username="someone", roles=tuple(RoleGrant(role=r, unit_code=u) for r, u in grants))


def labels(menu: list[dict[str, Any]]) -> list[str]:
    return [
        entry["label"] + (" ▾ " + ", ".join(link["label"] for link in entry["links"]) if "links" in entry else "")
        for entry in menu
    ]


def test_the_administrator_sees_every_entry_with_thi_dua_and_so_sach_grouped() -> None:
    menu = navigation(actor(("admin", None)), "/ho-so", demo_mailbox=True)
    assert labels(menu) == [
        "Hồ sơ",
        "Nộp hồ sơ",
        "Hộp việc",
        "Văn bản chờ ký",
        "Quyết định",
        "Thi đua ▾ Giao ước, Đợt thi đua, Cụm thi đua, Hội đồng TĐKT",
        "Sổ sách ▾ Sổ văn bản đi, Sổ khen thưởng cơ sở, Người ký văn bản, Đoàn viên",
        "Báo cáo",
        "Vận hành",
        "Hộp thư demo",
    ]


def test_a_group_holding_the_page_shown_is_marked_current_with_its_link() -> None:
    menu = navigation(actor(("approver", "HN-SONTAY"), ("unit_admin", "HN-SONTAY")), "/cum-thi-dua", superior=True)
    group = next(entry for entry in menu if entry["label"] == "Thi đua")
    assert group["current"] is True
    assert [link["label"] for link in group["links"] if link["current"]] == ["Cụm thi đua"]
    assert not any(entry["current"] for entry in menu if entry is not group)
    assert "Quá hạn ở cấp dưới" in labels(menu)


def test_a_group_of_one_entry_shows_as_that_entry() -> None:
    signer = navigation(actor(("signer", "HN-SONTAY")), "/so-van-ban-di")
    assert "Sổ văn bản đi" in labels(signer)  # the only entry of Sổ sách a signing officer has
    assert next(e for e in signer if e["label"] == "Sổ văn bản đi")["current"] is True
    assert not any("Sổ sách" in label for label in labels(signer))
    submitter = navigation(actor(("submitter", "HN-SONTAY-DST")), "/doan-vien")  # the register and the people: a group
    assert "Sổ sách ▾ Sổ khen thưởng cơ sở, Đoàn viên" in labels(submitter)
