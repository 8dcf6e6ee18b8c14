"""axe-core in the browser tests: the npm package pinned in package.json / package-lock.json (`make axe` installs it
into node_modules/), evaluated in the page by Playwright, and its findings per page written to
test-artifacts/axe-report.md."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORT = ROOT / "test-artifacts" / "axe-report.md"
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")
# The WCAG 2.x A and AA rules and axe's best practices (landmarks, one h1, heading order, …).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass
class PageResult:
    role: str
    url: str
    title: str
    counts: dict[str, int]
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["impact"] in BLOCKING]


def check(page: Page, role: str) -> PageResult:
    """axe-core over the whole page as it stands. The script is evaluated through the DevTools protocol, so the
    console's Content-Security-Policy (script-src 'self') stays as it is for the page itself."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    raw = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        TAGS,
    )
    counts = dict.fromkeys(IMPACTS, 0)
    for violation in raw:
        counts[violation["impact"]] += len(violation["nodes"])
    path = page.url.split("//", 1)[-1].split("/", 1)[-1]
    return PageResult(role, "/" + path, page.title(), counts, raw)


def describe(results: list[PageResult]) -> str:
    return "\n".join(
        f"{r.role} {r.url}: {v['id']} ({v['impact']}) {v['help']} — {', '.join(n['target'] for n in v['nodes'][:5])}"
        for r in results
        for v in r.blocking
    )


def write_report(results: list[PageResult]) -> None:
    """One row per page and role: the number of elements axe-core found failing, by impact, and the rules."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    version = AXE.read_text(encoding="utf-8")[:200].split("axe v", 1)[-1].split()[0]
    total = {impact: sum(r.counts[impact] for r in results) for impact in IMPACTS}
    lines = [
        "# axe-core report of the console",
        "",
        f"axe-core {version}, rules tagged {', '.join(TAGS)}; viewport 1366 × 768. Written by",
        "tests/browser/test_layout_and_access_console.py: every menu entry of every role, and the detail pages",
        "(dossier, task, decision, draft, tờ trình) linked from them. Counts are failing elements; what each one is,",
        "with its selector and axe-core's summary, is in axe-report.json beside this file.",
        "",
        f"Pages checked: {len(results)}. Totals — critical {total['critical']}, serious {total['serious']}, "
        f"moderate {total['moderate']}, minor {total['minor']}.",
        "",
        "| role | page | title | critical | serious | moderate | minor | rules |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in sorted(results, key=lambda r: (r.role, r.url)):
        rules = ", ".join(sorted({f"{v['id']} ({v['impact']})" for v in r.violations})) or "—"
        c = r.counts
        title = r.title.replace("|", "/")
        lines.append(
            f"| {r.role} | `{r.url}` | {title} | {c['critical']} | {c['serious']} | {c['moderate']} | {c['minor']} | {rules} |"
        )
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    details = [{"role": r.role, "url": r.url, "violations": r.violations} for r in results if r.violations]
    REPORT.with_suffix(".json").write_text(json.dumps(details, ensure_ascii=False, indent=1), encoding="utf-8")
