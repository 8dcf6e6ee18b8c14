"""What every console page shares: the templates, the page frame (navigation, units, the bell, the moved clock),
paging, refusals shown next to their form fields, and the error page."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.formatting import FILTERS, ROLE_LABELS
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.operations.review import QUEUE_COUNT_CAP
from shared.contracts.values import MAX_OFFSET
from shared.platform.rpc import field_errors

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters.update(FILTERS)
PAGE_SIZE = 50
ERROR_HEADINGS = {401: "Cần đăng nhập", 403: "Không có quyền truy cập", 404: "Không tìm thấy", 409: "Không thể thực hiện"}


class Pager:
    def __init__(self, request: Request, total: int, page: int, *, exact: bool = True) -> None:
        """`exact` False: the listing stopped counting at `total` (one past its cap) and goes on ("hơn ..." mục)."""
        self.request = request
        self.total = total if exact else total - 1
        self.page = page
        self.exact = exact
        self.pages = max(1, math.ceil(total / PAGE_SIZE) + (0 if exact else 1))

    @property
    def total_text(self) -> str:
        return str(self.total) if self.exact else f"hơn {count_vi(self.total)}"

    def url(self, page: int) -> str:
        query = dict(self.request.query_params)
        query["page"] = str(page)
        return f"{self.request.url.path}?{urlencode(query)}"


def count_vi(n: int) -> str:
    """1000 → "1.000" (the Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def queue_count(n: int) -> str:
    """A queue's count as the page shows it: "hơn 1.000" past QUEUE_COUNT_CAP, where counting stopped."""
    return f"hơn {count_vi(QUEUE_COUNT_CAP)}" if n > QUEUE_COUNT_CAP else str(n)


def page_number(request: Request) -> int:
    """The page asked for, 1 when it is not a number, never past the last page a listing can reach."""
    try:
        return min(max(1, int(request.query_params.get("page", "1"))), MAX_OFFSET // PAGE_SIZE + 1)
    except ValueError:
        return 1


def window(page: int) -> dict[str, int]:
    """The page as `limit` and `offset` of a listing."""
    return {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}


def superior_units(actor: Actor, units: dict[str, dict[str, Any]]) -> list[str]:
    """The units the actor approves for (or administers) that have units below them: each watches what is overdue there."""
    parents = {u.get("parent_code") for u in units.values()}
    return sorted(code for code in actor.units_with("approver") | actor.units_with("unit_admin") if code in parents)


# The menu's groups: what people open less often sits under one entry, so the menu keeps to one row at 1,366 px for
# every role (a group with one entry for someone shows as that entry).
NAV_GROUPS = {
    "/giao-uoc": "Thi đua",
    "/dot-thi-dua": "Thi đua",
    "/cum-thi-dua": "Thi đua",
    "/hoi-dong": "Thi đua",
    "/so-van-ban-di": "Sổ sách",
    "/so-khen-thuong": "Sổ sách",
    "/nguoi-ky": "Sổ sách",
    "/doan-vien": "Sổ sách",
}


def navigation(actor: Actor, path: str, *, demo_mailbox: bool = False, superior: bool = False) -> list[dict[str, Any]]:
    """The menu: links ({href, label, current}) and groups ({label, links, current}) in the order people use them."""
    items = [("/ho-so", "Hồ sơ")]
    if actor.units_with("submitter") or actor.is_admin:
        items.append(("/ho-so/moi", "Nộp hồ sơ"))
    if actor.units_with("approver") or actor.units_with("unit_admin") or actor.sees_everything():
        items.append(("/hop-viec", "Hộp việc"))
    if superior:
        items.append(("/qua-han-cap-duoi", "Quá hạn ở cấp dưới"))
    if actor.units_with("signer") or actor.units_with("approver") or actor.sees_everything():
        items.append(("/van-ban-cho-ky", "Văn bản chờ ký"))
    items.append(("/quyet-dinh", "Quyết định"))
    items += [("/giao-uoc", "Giao ước"), ("/dot-thi-dua", "Đợt thi đua"), ("/cum-thi-dua", "Cụm thi đua")]
    if actor.units_with("signer") or actor.units_with("approver") or actor.units_with("unit_admin") or actor.sees_everything():
        items.append(("/so-van-ban-di", "Sổ văn bản đi"))
    if actor.units_with("submitter") or actor.is_admin:
        items.append(("/so-khen-thuong", "Sổ khen thưởng cơ sở"))
    if actor.units_with("unit_admin") or actor.is_admin:
        items.append(("/nguoi-ky", "Người ký văn bản"))
    items.append(("/bao-cao", "Báo cáo"))
    if actor.units_with("unit_admin") or actor.units_with("approver") or actor.is_admin:
        items.append(("/hoi-dong", "Hội đồng TĐKT"))
    if actor.units_with("submitter") or actor.units_with("unit_admin") or actor.units_with("approver") or actor.sees_everything():
        items.append(("/doan-vien", "Đoàn viên"))
    if actor.sees_everything():
        items.append(("/van-hanh", "Vận hành"))
    if demo_mailbox:  # the notifier sends to the embedded demo's SMTP sink: its mails, for anyone trying the demo
        items.append(("/hop-thu-demo", "Hộp thư demo"))
    current = max((href for href, _ in items if path.startswith(href)), key=len, default="")
    return grouped_menu([{"href": href, "label": label, "current": href == current} for href, label in items])


def grouped_menu(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The links with those of NAV_GROUPS under their group, where the group's first link was; a group of one
    link is that link."""
    menu: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for link in links:
        group = NAV_GROUPS.get(link["href"])
        if group is None:
            menu.append(link)
        elif group in groups:
            groups[group]["links"].append(link)
        else:
            groups[group] = {"label": group, "links": [link]}
            menu.append(groups[group])
    for entry in groups.values():
        entry["current"] = any(link["current"] for link in entry["links"])
    return [entry["links"][0] if len(entry.get("links", ())) == 1 else entry for entry in menu]


def form_errors(exc: DomainError | ValidationError) -> dict[str, str]:
    """A refusal as messages by form input, to show the form again with each next to its field ('_' for the form)."""
    fields = field_errors(exc) if isinstance(exc, ValidationError) else exc.fields
    found: dict[str, str] = {}
    for f in fields:
        # One message per form input: an entry of a declared history ('nominee.title_history.0.year') shows on the list.
        name = next((p for p in ("nominee.title_history", "nominee.duty_ratings") if f.field.startswith(p)), f.field)
        found[name] = f"{found[name]}; {f.message}" if name in found else f.message
    if isinstance(exc, DomainError) and not fields:
        found["_"] = exc.title
    return found


async def render(request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    gateway: Gateway = request.app.state.gateway
    unit_names: dict[str, str] = {}
    unit = None
    roles_here: list[str] = []
    unread: int | None = None
    demo_mailbox = False
    superior = False
    if actor is not None:
        status = await gateway.mail_status(actor)
        demo_mailbox = status is not None and status.demo_mailbox
        try:
            tree = await gateway.units(actor)
        except DomainError:  # registration unreachable: show codes rather than fail the page
            tree = {}
        unit_names = {code: u["name"] for code, u in tree.items()}
        superior = bool(superior_units(actor, tree))
        unit = web.active_unit(request, actor)
        roles_here = sorted({ROLE_LABELS[g.role] for g in actor.roles if g.unit_code in (unit, None)})
        if "unread" in context:
            unread = context.pop("unread")
        else:
            try:  # the bell: review unreachable leaves it out rather than failing the page
                unread = (await gateway.call("review", "notifications", actor, {"limit": 1}))["unread"]
            except DomainError:
                unread = None
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "actor": actor,
            "csrf": web.csrf_token(request),
            "flashes": web.take_flashes(request),
            "nav": navigation(actor, request.url.path, demo_mailbox=demo_mailbox, superior=superior) if actor else [],
            "units": web.scoped_units(actor) if actor else [],
            "unit": unit,
            "unit_names": unit_names,
            "roles_here": roles_here,
            "unread": unread,
            # where a rule comes from, the catalogue version, file digests: for the admins who keep the rules, not
            # for the union staff reading a dossier
            "show_sources": actor is not None and actor.is_admin,
            "clock_shift": clock_shift(gateway),
            "title": context.pop("title", "Thi Đua"),
            **context,
        },
        status_code=status_code,
    )


def clock_shift(gateway: Gateway) -> str:
    """'+15 ngày 2 giờ' when the demo clock has been moved (`thidua clock`), else ''. Never in production,
    where the clock cannot move."""
    seconds = round((gateway.clock.now() - gateway.wall_clock.now()).total_seconds())
    if abs(seconds) < 60:
        return ""
    days, rest = divmod(abs(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    parts = [f"{days} ngày"] if days else []
    if hours:
        parts.append(f"{hours} giờ")
    if not parts:
        parts.append(f"{rest // 60} phút")
    return ("+" if seconds > 0 else "−") + " ".join(parts)


async def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """A refusal or failure as a page a person can read, with the header when they are signed in."""
    try:
        actor: Actor | None = await web.current_actor(request)
    except (web.LoginRequired, DomainError):
        actor = None
    heading = ERROR_HEADINGS.get(exc.status, "Có lỗi xảy ra")
    return await render(request, "error.html", actor, status_code=exc.status, title=heading, heading=heading, message=exc.title)
