"""The dated unit tree and reorganisations of it: parents on a date, and every refusal of a bad file."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.registration.domain.reorganisation import plan
from services.review.domain.task import ReviewTask, TaskState
from shared.contracts.commands import Reorganisation
from shared.contracts.errors import ValidationFailed
from shared.contracts.values import Level
from shared.rules.reference import DATA_DIR, ParentSpan, Unit, UnitTree, load_units
from thidua.demo_world import reorganisation_files

ON = date(2025, 7, 1)
THANH_XUAN_FILE = DATA_DIR / "reorganisations" / "2025-07-01-thanh-xuan.toml"


def unit(code: str, level: Level, parent: str | None = None, **extra: Any) -> Unit:
    return Unit(code=code, name=f"Đơn vị {code}", short_name=code, level=level, parent=parent, **extra)


def small_tree() -> UnitTree:
    return UnitTree(
        [
            unit("TLD", "national"),
            unit("HN", "city", "TLD"),
            unit("Q1", "district", "HN"),
            unit("Q2", "district", "HN"),
            unit("Q1-A", "grassroots", "Q1"),
            unit("Q1-B", "grassroots", "Q1"),
            unit("Q2-C", "grassroots", "Q2"),
        ]
    )


def reorg(**changes: Any) -> Reorganisation:
    return Reorganisation.model_validate({"id": "test-reorg", "title": "Sắp xếp thử", "effective_on": ON, **changes})


def ward(code: str, parent: str = "HN") -> dict[str, Any]:
    return {"code": code, "name": f"Công đoàn phường {code}", "short_name": f"CĐ phường {code}", "parent": parent}


def refusal(tree: UnitTree, r: Reorganisation) -> str:
    with pytest.raises(ValidationFailed) as caught:
        plan(tree, r)
    return " | ".join(f"{f.field}: {f.message}" for f in caught.value.fields)


# The dated tree


def test_a_unit_has_the_parent_of_the_date_asked() -> None:
    history = (
        ParentSpan(parent="Q1", valid_to=ON),
        ParentSpan(parent="W", valid_from=ON),
    )
    cdcs = unit("Q1-A", "grassroots", "W", parent_history=history)
    assert cdcs.parent_on(date(2025, 6, 30)) == "Q1"
    assert cdcs.parent_on(ON) == "W"
    assert cdcs.parent_on(date(2030, 1, 1)) == "W"


def test_a_closed_unit_has_no_parent_and_no_path_after_its_last_day() -> None:
    tree = UnitTree([unit("TLD", "national"), unit("HN", "city", "TLD"), unit("Q1", "district", "HN", valid_to=ON)])
    assert [u.code for u in tree.path_on("Q1", date(2025, 6, 30))] == ["Q1", "HN", "TLD"]
    assert tree.path_on("Q1", ON) == []
    assert tree.units["Q1"].parent_on(ON) is None


def test_a_unit_created_on_a_date_does_not_exist_the_day_before() -> None:
    w = unit("W", "district", "HN", valid_from=ON)
    assert not w.exists_on(date(2025, 6, 30))
    assert w.exists_on(ON)


def test_the_path_before_and_after_a_move_follows_the_dated_parent() -> None:
    after = plan(small_tree(), reorg(create=[ward("W")], move=[{"unit": "Q1-A", "to": "W"}])).after
    assert [u.code for u in after.path_on("Q1-A", date(2025, 6, 30))] == ["Q1-A", "Q1", "HN", "TLD"]
    assert [u.code for u in after.path_on("Q1-A", ON)] == ["Q1-A", "W", "HN", "TLD"]


# Reorganisations


def test_the_thanh_xuan_file_closes_the_district_and_moves_its_cdcs_to_ward_unions() -> None:
    with THANH_XUAN_FILE.open("rb") as f:
        r = Reorganisation.model_validate(tomllib.load(f))
    checked = plan(UnitTree(load_units()), r)
    assert [u.code for u in checked.closed] == ["HN-THANHXUAN"]
    assert {u.code for u in checked.created} >= {"HN-P-THANHXUAN", "HN-P-KHUONGDINH", "HN-P-PHUONGLIET"}
    moved = {m.unit.code: (m.from_parent.code, m.to_parent.code) for m in checked.moved}
    assert moved["HN-THANHXUAN-UBNDPHUONG"] == ("HN-THANHXUAN", "HN-P-THANHXUAN")
    assert len([m for m in checked.moved if m.unit.level == "grassroots"]) >= 2
    ubnd = next(m for m in checked.moved if m.unit.code == "HN-THANHXUAN-UBNDPHUONG")
    assert [u.code for u in ubnd.new_path] == ["HN-THANHXUAN-UBNDPHUONG", "HN-P-THANHXUAN", "HN", "TLD"]
    assert checked.after.units["HN-P-THANHXUAN"].level == "district"  # the role "direct superior of grassroots"


def shipped(path: Path) -> Reorganisation:
    with path.open("rb") as f:
        return Reorganisation.model_validate(tomllib.load(f))


@pytest.mark.parametrize("path", reorganisation_files(), ids=lambda p: p.stem)
def test_every_shipped_file_checks_against_the_migrated_tree(path: Path) -> None:
    """What `thidua reorg check` asks registration: each file alone, against the tree `thidua migrate` loads."""
    checked = plan(UnitTree(load_units()), shipped(path))
    assert len(checked.closed) == 1
    assert checked.closed[0].name.startswith("Liên đoàn Lao động ")
    assert checked.created
    assert all(m.unit.level == "grassroots" for m in checked.moved)


def test_the_shipped_files_applied_in_the_demos_order_leave_no_district_union_open() -> None:
    tree = UnitTree(load_units())
    for path in reorganisation_files():
        tree = plan(tree, shipped(path)).after
    open_after = [u for u in tree.units.values() if u.exists_on(ON)]
    assert not [u.code for u in open_after if u.level == "district" and u.name.startswith("Liên đoàn Lao động ")]
    for cdcs in (u for u in open_after if u.level == "grassroots"):
        route = [u.code for u in tree.path_on(cdcs.code, ON)]
        assert route[-2:] == ["HN", "TLD"], route
        superior = tree.units[route[1]]
        assert superior.name.startswith(("Công đoàn phường ", "Công đoàn xã ", "Công đoàn ngành ", "Công đoàn Viên chức ")), route
    assert [u.code for u in tree.path_on("HN-HADONG-VANQUAN", ON)] == ["HN-HADONG-VANQUAN", "HN-P-HADONG", "HN", "TLD"]
    assert [u.code for u in tree.path_on("HN-HADONG-VANQUAN", date(2025, 6, 30))][1] == "HN-HADONG"


def test_the_event_repaths_a_nomination_below_a_moved_unit_and_leaves_others_alone() -> None:
    tree = small_tree()
    checked = plan(
        tree, reorg(close=["Q1"], create=[ward("W")], move=[{"unit": "Q1-A", "to": "W"}, {"unit": "Q1-B", "to": "Q2"}])
    )
    event = checked.event(datetime(2025, 7, 1, tzinfo=UTC), _admin())
    assert [u.code for u in event.new_path(tree.path("Q1-A"))] == ["Q1-A", "W", "HN", "TLD"]
    assert [u.code for u in event.new_path(tree.path("Q1-B"))] == ["Q1-B", "Q2", "HN", "TLD"]
    assert event.new_path(tree.path("Q2-C")) == tree.path("Q2-C")


def test_a_merge_closes_the_merged_units_and_moves_their_children_to_the_new_one() -> None:
    checked = plan(small_tree(), reorg(create=[ward("W")], merge=[{"units": ["Q1", "Q2"], "into": "W"}]))
    assert {u.code for u in checked.closed} == {"Q1", "Q2"}
    assert {m.unit.code: m.to_parent.code for m in checked.moved} == {"Q1-A": "W", "Q1-B": "W", "Q2-C": "W"}


def test_a_rename_keeps_the_code_and_changes_the_name_on_the_paths() -> None:
    tree = small_tree()
    checked = plan(tree, reorg(rename=[{"unit": "Q2", "name": "Công đoàn phường Mới", "short_name": "CĐ phường Mới"}]))
    event = checked.event(datetime(2025, 7, 1, tzinfo=UTC), _admin())
    assert [u.name for u in event.new_path(tree.path("Q2-C"))][1] == "Công đoàn phường Mới"
    assert checked.renamed[0].before.name == "Đơn vị Q2"


def test_unknown_codes_are_refused_with_the_line_at_fault() -> None:
    message = refusal(small_tree(), reorg(close=["NOPE"], move=[{"unit": "Q1-A", "to": "ALSO-NOPE"}]))
    assert "close[0]: Không có đơn vị NOPE" in message
    assert "move[0].to: Không có đơn vị ALSO-NOPE" in message


def test_moving_into_a_unit_closed_by_the_same_file_is_refused() -> None:
    message = refusal(small_tree(), reorg(close=["Q2"], move=[{"unit": "Q1-A", "to": "Q2"}, {"unit": "Q2-C", "to": "Q1"}]))
    assert "move[0].to: Không thể chuyển vào đơn vị Q2" in message


def test_moving_into_a_unit_closed_before_is_refused() -> None:
    tree = UnitTree([*small_tree().units.values(), unit("OLD", "district", "HN", valid_to=date(2024, 1, 1))])
    assert "move[0].to: Không có đơn vị OLD" in refusal(tree, reorg(move=[{"unit": "Q1-A", "to": "OLD"}]))


def test_a_move_that_makes_a_cycle_is_refused() -> None:
    tree = UnitTree(
        [
            unit("TLD", "national"),
            unit("HN", "city", "TLD"),
            unit("NGANH", "city", "TLD"),
        ]
    )
    # HN under NGANH is refused by level; a cycle needs two moves of units at the same rank
    message = refusal(tree, reorg(move=[{"unit": "HN", "to": "NGANH"}, {"unit": "NGANH", "to": "HN"}]))
    assert "không ở cấp cao hơn" in message or "vòng lặp" in message


def test_a_cycle_is_found_when_levels_alone_do_not_catch_it() -> None:
    from services.registration.domain import reorganisation as module

    tree = small_tree()
    original = module.LEVEL_RANK  # type: ignore[attr-defined]
    module.LEVEL_RANK = {"grassroots": 0, "district": 1, "city": 1, "national": 3}  # type: ignore[attr-defined]  # levels that cannot tell HN from Q1
    try:
        message = refusal(tree, reorg(move=[{"unit": "HN", "to": "Q1"}]))
    finally:
        module.LEVEL_RANK = original  # type: ignore[attr-defined]
    assert "HN: Chuyển HN tạo vòng lặp trong cây đơn vị" in message


def test_two_changes_on_the_same_unit_are_refused() -> None:
    message = refusal(small_tree(), reorg(close=["Q1-A"], move=[{"unit": "Q1-A", "to": "Q2"}]))
    assert "Q1-A: Đơn vị Q1-A có 2 thay đổi" in message


def test_closing_a_unit_whose_cdcs_are_not_moved_is_refused() -> None:
    message = refusal(small_tree(), reorg(close=["Q1"], move=[{"unit": "Q1-A", "to": "Q2"}]))
    assert "Q1: Q1 còn đơn vị trực thuộc chưa chuyển: Q1-B" in message


def test_a_cdcs_cannot_be_put_under_another_cdcs() -> None:
    assert "không ở cấp cao hơn" in refusal(small_tree(), reorg(move=[{"unit": "Q1-A", "to": "Q2-C"}]))


def test_a_code_already_used_cannot_be_created_again() -> None:
    assert "create[0].code: Mã Q2 đã được dùng" in refusal(small_tree(), reorg(create=[ward("Q2")]))


# Review follows


def test_a_district_task_follows_its_nomination_to_the_new_ward_union_unclaimed_with_its_due_date() -> None:
    tree = small_tree()
    due = datetime(2025, 7, 10, tzinfo=UTC)
    q1 = tree.path("Q1-A")[1]
    task = ReviewTask(
        id="t", nomination_id="n", unit=q1, state=TaskState.CLAIMED, round=1, claimant_id="u", claimant_name="A", due_at=due
    )
    after_tree = plan(
        tree, reorg(close=["Q1"], create=[ward("W")], move=[{"unit": "Q1-A", "to": "W"}, {"unit": "Q1-B", "to": "W"}])
    )
    moved = task.rehome(after_tree.after.path_on("Q1-A", ON))
    assert (moved.unit.code, moved.holder.code, moved.state, moved.claimant_id) == ("W", "W", TaskState.OPEN, None)
    assert (moved.due_at, moved.generation) == (due, task.generation)


def test_a_city_task_does_not_move_when_a_cdcs_changes_district() -> None:
    tree = small_tree()
    hn = tree.path("Q1-A")[2]
    task = ReviewTask(id="t", nomination_id="n", unit=hn, state=TaskState.CLAIMED, round=1, claimant_id="u", claimant_name="A")
    after = plan(tree, reorg(move=[{"unit": "Q1-A", "to": "Q2"}])).after
    assert task.rehome(after.path_on("Q1-A", ON)) == task


def _admin() -> Any:
    from shared.contracts.events import Actor, RoleGrant

    return Actor(user_id="u-admin", username="admin", roles=(RoleGrant(role="admin"),))


def test_every_reorganisation_file_in_the_repository_checks_against_the_tree() -> None:
    for file in sorted(Path(DATA_DIR / "reorganisations").glob("*.toml")):
        with file.open("rb") as f:
            plan(UnitTree(load_units()), Reorganisation.model_validate(tomllib.load(f)))
