"""The nomination form's fields and the commands registration takes, both ways. Pure: no request, no gateway.

Inputs are named after the command's fields ('nominee.name', 'council_vote.present'); a nominee's title and rating
history is typed as years per title ('title_years.<title>': '2023, 2024').
"""

from __future__ import annotations

from typing import Any

EDITABLE = ("period", "nominee", "achievements", "council_vote")


def nested(values: dict[str, str], prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): v for k, v in values.items() if k.startswith(prefix) and v != ""}


def year_list(text: str) -> list[Any]:
    """'2023, 2024 2025' -> [2023, 2024, 2025]; '0' -> [] (declared: none); a bad token stays for the model to refuse."""
    tokens = [t for t in text.replace(",", " ").replace(";", " ").split() if t != "0"]
    return [int(t) if t.isdigit() else t for t in tokens]


def declared_lists(values: dict[str, str]) -> dict[str, Any]:
    """The form's 'title_years.<title>' and 'rating_years.<rating>' inputs as the nominee's title and rating history."""
    lists: dict[str, Any] = {}
    for key, field, item in (("title_years.", "title_history", "title"), ("rating_years.", "duty_ratings", "rating")):
        entered = {k.removeprefix(key): v for k, v in values.items() if k.startswith(key) and v != ""}
        if entered:
            lists[field] = [{"year": y, item: code} for code, text in entered.items() for y in year_list(text)]
    return lists


def declared_values(nominee: dict[str, Any]) -> dict[str, str]:
    """The other way round, to fill the form again when a returned dossier is edited."""
    values: dict[str, str] = {}
    for field, key, item in (("title_history", "title_years.", "title"), ("duty_ratings", "rating_years.", "rating")):
        by_code: dict[str, list[str]] = {}
        for entry in nominee.get(field) or ():
            by_code.setdefault(entry[item], []).append(str(entry["year"]))
        values.update({key + code: ", ".join(sorted(years)) for code, years in by_code.items()})
    for k, v in nominee.items():
        if v is None or isinstance(v, list):
            continue
        values[f"nominee.{k}"] = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return values


def draft_body(values: dict[str, str]) -> dict[str, Any]:
    """Form fields ('nominee.name', 'council_vote.present') as the command body the API takes."""
    body: dict[str, Any] = {k: v for k, v in values.items() if "." not in k and v != "" and k != "comment"}
    body["nominee"] = {**nested(values, "nominee."), **declared_lists(values)}
    vote = nested(values, "council_vote.")
    vote.pop("secret_ballot", None)
    if vote:
        vote["secret_ballot"] = bool(values.get("council_vote.secret_ballot"))
        body["council_vote"] = vote
    return body


def edit_body(values: dict[str, str]) -> dict[str, Any]:
    """The fields a returned dossier may change, with the submitter's comment (its files are added by the caller)."""
    body = draft_body(values)
    edit: dict[str, Any] = {k: body[k] for k in EDITABLE if k in body}
    edit["comment"] = values.get("comment", "")
    return edit


def nomination_values(n: dict[str, Any]) -> dict[str, str]:
    """A nomination as the form's fields, to edit it after a return."""
    values = {"award_code": n["award_code"], "period": n["period"], "achievements": n["achievements"]}
    values.update(declared_values(n["nominee"]))
    for k, v in (n["council_vote"] or {}).items():
        values[f"council_vote.{k}"] = ("1" if v else "") if k == "secret_ballot" else str(v)
    return values
