"""Reorganising the dated unit tree: check a reorganisation against the tree, and what it changes. Pure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from shared.contracts.commands import Reorganisation
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.events import Actor, UnitMerge, UnitMove, UnitRename, UnitsReorganised
from shared.contracts.values import LEVEL_RANK, UnitRef
from shared.rules.reference import ParentSpan, Unit, UnitTree


@dataclass(frozen=True)
class Plan:
    """A checked reorganisation: the tree after it, and each change as a unit of that tree."""

    reorganisation: Reorganisation
    after: UnitTree
    closed: list[UnitRef]
    created: list[UnitRef]
    renamed: list[UnitRename]
    moved: list[UnitMove]
    merged: list[UnitMerge]

    @property
    def changed_units(self) -> list[Unit]:
        """The units whose row changes (closed, created, renamed, moved), as they are after the change."""
        codes = {u.code for u in self.closed} | {u.code for u in self.created}
        codes |= {r.after.code for r in self.renamed} | {m.unit.code for m in self.moved}
        return [self.after.units[c] for c in sorted(codes)]

    def event(self, occurred_at: datetime, actor: Actor) -> UnitsReorganised:
        r = self.reorganisation
        return UnitsReorganised.model_validate(
            {
                "occurred_at": occurred_at,
                "actor": actor,
                "correlation_id": r.id,
                "reorganisation_id": r.id,
                "title": r.title,
                "effective_on": r.effective_on,
                "closed": self.closed,
                "created": self.created,
                "renamed": self.renamed,
                "moved": self.moved,
                "merged": self.merged,
            }
        )


def plan(tree: UnitTree, r: Reorganisation) -> Plan:  # noqa: PLR0912, PLR0915 - one check per kind of change, all reported at once
    """Check every change against the tree on the effective date; all problems at once, each naming its line."""
    on = r.effective_on
    errors: list[FieldError] = []
    created = {u.code for u in r.create}
    closing = set(r.close) | {code for m in r.merge for code in m.units}

    def exists(code: str) -> bool:
        unit = tree.get(code)
        return unit is not None and unit.exists_on(on)

    def known(field: str, code: str) -> bool:
        if exists(code):
            return True
        errors.append(FieldError(field=field, message=f"Không có đơn vị {code} vào ngày {on:%d/%m/%Y}"))
        return False

    def open_target(field: str, code: str) -> bool:
        if code in created:
            return True
        if not known(field, code):
            return False
        if code in closing:
            errors.append(FieldError(field=field, message=f"Không thể chuyển vào đơn vị {code} vì đơn vị này giải thể/sáp nhập"))
            return False
        return True

    changes = Counter(
        [*r.close, *(m.unit for m in r.move), *(n.unit for n in r.rename), *created, *(c for m in r.merge for c in m.units)]
    )
    for code, count in sorted(changes.items()):
        if count > 1:
            errors.append(FieldError(field=code, message=f"Đơn vị {code} có {count} thay đổi trong cùng một đợt sắp xếp"))

    for i, u in enumerate(r.create):
        if tree.get(u.code) is not None:
            errors.append(FieldError(field=f"create[{i}].code", message=f"Mã {u.code} đã được dùng"))
        open_target(f"create[{i}].parent", u.parent)
    for i, code in enumerate(r.close):
        known(f"close[{i}]", code)
    for i, n in enumerate(r.rename):
        known(f"rename[{i}].unit", n.unit)
    for i, m in enumerate(r.merge):
        for code in m.units:
            if known(f"merge[{i}].units", code) and tree.units[code].level == "grassroots":
                errors.append(FieldError(field=f"merge[{i}].units", message=f"Chưa hỗ trợ sáp nhập công đoàn cơ sở ({code})"))
        open_target(f"merge[{i}].into", m.into)
    for i, mv in enumerate(r.move):
        if known(f"move[{i}].unit", mv.unit) and open_target(f"move[{i}].to", mv.to):
            if tree.units[mv.unit].parent_on(on) is None:
                errors.append(FieldError(field=f"move[{i}].unit", message=f"Đơn vị {mv.unit} là cấp cao nhất, không chuyển được"))
            elif mv.unit in closing:
                errors.append(
                    FieldError(field=f"move[{i}].unit", message=f"Đơn vị {mv.unit} đang bị giải thể, không chuyển được")
                )
    if errors:
        raise ValidationFailed("Tệp sắp xếp tổ chức chưa hợp lệ", fields=errors)

    # Every unit's new parent: explicit moves, then children of merged units go to the merged unit.
    new_parent = {mv.unit: mv.to for mv in r.move}
    for m in r.merge:
        for code in m.units:
            for child in tree.children_on(code, on):
                new_parent.setdefault(child.code, m.into)
    levels = {code: u.level for code, u in tree.units.items()} | {u.code: u.level for u in r.create}
    for code, parent in sorted(new_parent.items()):
        if LEVEL_RANK[levels[parent]] <= LEVEL_RANK[levels[code]]:
            errors.append(FieldError(field=code, message=f"{code} không thể trực thuộc {parent}: {parent} không ở cấp cao hơn"))
    for code in sorted(set(r.close)):
        left = [c.code for c in tree.children_on(code, on) if c.code not in new_parent and c.code not in closing]
        if left:
            errors.append(FieldError(field=code, message=f"{code} còn đơn vị trực thuộc chưa chuyển: {', '.join(left)}"))
    parent_after = {code: u.parent_on(on) for code, u in tree.units.items() if u.exists_on(on)} | {
        u.code: u.parent for u in r.create
    }
    parent_after.update(new_parent)
    for code in sorted(new_parent):
        seen = {code}
        current = parent_after.get(code)
        while current is not None:
            if current in seen:
                errors.append(FieldError(field=code, message=f"Chuyển {code} tạo vòng lặp trong cây đơn vị"))
                break
            seen.add(current)
            current = parent_after.get(current)
    if errors:
        raise ValidationFailed("Tệp sắp xếp tổ chức chưa hợp lệ", fields=errors)
    return _apply(tree, r, new_parent, closing)


def _apply(tree: UnitTree, r: Reorganisation, new_parent: dict[str, str], closing: set[str]) -> Plan:
    on = r.effective_on
    units = dict(tree.units)
    for code in closing:
        units[code] = units[code].model_copy(update={"valid_to": on})
    for code, parent in new_parent.items():
        units[code] = _reparented(units[code], parent, on)
    renames: list[UnitRename] = []
    for n in r.rename:
        before = units[n.unit]
        suffix = n.decision_suffix if n.decision_suffix is not None else before.decision_suffix
        units[n.unit] = before.model_copy(update={"name": n.name, "short_name": n.short_name, "decision_suffix": suffix})
        renames.append(UnitRename(before=before.ref(), after=units[n.unit].ref()))
    for u in r.create:
        units[u.code] = Unit(
            code=u.code,
            name=u.name,
            short_name=u.short_name,
            level=u.level,
            decision_suffix=u.decision_suffix,
            parent=u.parent,
            sector=u.sector,
            valid_from=on,
            parent_history=(ParentSpan(parent=u.parent, valid_from=on),),
        )
    after = UnitTree(list(units.values()))
    moved = [
        UnitMove(
            unit=after.units[code].ref(),
            from_parent=tree.units[_old_parent(tree, code, on)].ref(),
            to_parent=after.units[parent].ref(),
            new_path=after.path_on(code, on),
        )
        for code, parent in sorted(new_parent.items())
    ]
    merged = [UnitMerge(units=[tree.units[c].ref() for c in m.units], into=after.units[m.into].ref()) for m in r.merge]
    return Plan(
        reorganisation=r,
        after=after,
        closed=[tree.units[c].ref() for c in sorted(closing)],
        created=[after.units[u.code].ref() for u in r.create],
        renamed=renames,
        moved=moved,
        merged=merged,
    )


def _old_parent(tree: UnitTree, code: str, on: date) -> str:
    parent = tree.units[code].parent_on(on)
    assert parent is not None, f"{code} has no parent on {on}"
    return parent


def _reparented(unit: Unit, parent: str, on: date) -> Unit:
    """The unit under `parent` from `on`, its earlier parents kept as dated history."""
    history = list(unit.parent_history)
    if not history and unit.parent is not None:
        history = [ParentSpan(parent=unit.parent, valid_from=unit.valid_from)]
    history = [s.model_copy(update={"valid_to": on}) if s.valid_to is None else s for s in history]
    history.append(ParentSpan(parent=parent, valid_from=on))
    return unit.model_copy(update={"parent": parent, "parent_history": tuple(history)})
