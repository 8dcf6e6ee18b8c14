"""What the console tells an approver after a decision: what happened, to whom, and where the dossier went."""

from __future__ import annotations

from typing import Any

from services.portal.web.tasks import decision_done

DST = {"code": "HN-SONTAY-DST", "name": "Công đoàn Công ty CP tập đoàn DST", "level": "grassroots"}
SONTAY = {"code": "HN-SONTAY", "name": "Liên đoàn Lao động thị xã Sơn Tây", "level": "district"}
HANOI = {"code": "HN", "name": "Liên đoàn Lao động Thành phố Hà Nội", "level": "city"}
TLD = {"code": "TLD", "name": "Tổng Liên đoàn Lao động Việt Nam", "level": "national"}


def task(level: str, unit: dict[str, str]) -> dict[str, Any]:
    return {
        "nominee_name": "Đinh Thị Hằng",
        "origin_unit_name": DST["name"],
        "unit_level": level,
        "unit_name": unit["name"],
        "nomination": {"unit_path": [DST, SONTAY, HANOI, TLD]},
    }


def test_an_approval_says_which_unit_receives_the_dossier_next() -> None:
    said = decision_done("approve", task("district", SONTAY), ["grassroots", "district", "city"])
    assert said == "Đã đồng ý hồ sơ của Đinh Thị Hằng và chuyển lên Liên đoàn Lao động Thành phố Hà Nội."


def test_a_route_that_skips_a_level_names_the_unit_at_the_next_level_of_the_route() -> None:
    said = decision_done("approve", task("district", SONTAY), ["grassroots", "district", "national"])
    assert said == "Đã đồng ý hồ sơ của Đinh Thị Hằng và chuyển lên Tổng Liên đoàn Lao động Việt Nam."


def test_the_final_level_says_the_document_is_made_by_itself() -> None:
    said = decision_done("approve", task("city", HANOI), ["grassroots", "district", "city"])
    assert said == (
        "Đã đồng ý hồ sơ của Đinh Thị Hằng. Liên đoàn Lao động Thành phố Hà Nội là cấp quyết định: "
        "văn bản khen thưởng được lập tự động."
    )


def test_without_the_catalogue_it_says_what_happened_and_does_not_guess_where_it_went() -> None:
    assert decision_done("approve", task("district", SONTAY), []) == "Đã đồng ý hồ sơ của Đinh Thị Hằng."


def test_a_return_and_a_rejection_name_the_nominee_and_the_submitting_union() -> None:
    assert decision_done("return", task("district", SONTAY), []) == (
        "Đã trả hồ sơ của Đinh Thị Hằng về Công đoàn Công ty CP tập đoàn DST để bổ sung."
    )
    assert decision_done("reject", task("district", SONTAY), []) == (
        "Đã ghi quyết định không duyệt hồ sơ của Đinh Thị Hằng (Công đoàn Công ty CP tập đoàn DST)."
    )
