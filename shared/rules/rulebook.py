"""The rule sources one process uses, chosen once at start-up and handed to the use cases through their context.

Every rule module takes its inputs explicitly (a directory, a file, parsed data) and reads no environment: the
composition root builds one `Rulebook` from the service's settings (`ServiceSettings.rulebook()`, which reads
`THIDUA_CATALOG_DIR` and `THIDUA_ATTACHMENT_RULES`) and the use cases ask it for the rules in force on a date.
`Rulebook()` is the files shipped with the code. Loading stays cached per path in the rule modules, so asking
again is as cheap as before. A rule with one owner (review's deadlines and escalation authority, registration's
pledge and cluster rules, what awards' documents cite and who signs them) is parsed by that service's domain; the
Rulebook only says which file holds it and reads it (`rule_file`), so tests and installs can point elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from shared.contracts.values import CouncilKind, Level
from shared.rules import attachments, calendar, catalog, council, eligibility, periods
from shared.rules.dated import read_rule_file
from shared.rules.reference import DATA_DIR


@dataclass(frozen=True)
class Rulebook:
    catalog_dir: Path = catalog.DEFAULT_CATALOG_DIR
    attachment_rules: Path = attachments.RULES_FILE
    eligibility_rules: Path = eligibility.RULES_FILE
    deadline_rules: Path = DATA_DIR / "deadlines.toml"
    escalation_rules: Path = DATA_DIR / "escalation.toml"
    emulation_rules: Path = DATA_DIR / "emulation.toml"
    legal_basis_rules: Path = DATA_DIR / "legal_basis.toml"
    holidays_dir: Path = calendar.HOLIDAYS_DIR
    period_rules: Path = periods.RULES_FILE
    council_rules: Path = council.RULES_FILE

    # The award catalogues

    def catalog_files(self) -> tuple[catalog.CatalogFile, ...]:
        """Every version file of the catalogue directory (re-read when a version is installed while running)."""
        return catalog.catalog_files(self.catalog_dir)

    def catalogs_on(self, on: date) -> catalog.CatalogSet:
        """The union and state catalogues in force on a date."""
        return catalog.catalogs_on(on, self.catalog_dir)

    def catalog_on(self, on: date, name: catalog.CatalogName = "union") -> catalog.Catalog:
        return catalog.catalog_on(on, self.catalog_dir, name)

    def award_on(self, code: str, on: date) -> catalog.Award | None:
        """An award as the catalogue in force on a date defines it."""
        return catalog.award_on(code, on, self.catalog_dir)

    def catalog_version(self, version: str) -> catalog.Catalog:
        """A version by its name, e.g. the `union-2024.1` a nomination was judged by (LookupError if unknown)."""
        return catalog.catalog_version(version, self.catalog_dir)

    # Dated rule files

    def attachment_rules_on(self, on: date) -> attachments.AttachmentRules:
        return attachments.rules_on(on, self.attachment_rules)

    def eligibility_rules_on(self, on: date) -> eligibility.EligibilityRules:
        return eligibility.rules_on(on, self.eligibility_rules)

    def period_rules_on(self, on: date) -> periods.PeriodRules:
        """When the school year starts and which term is current, as in force on a date."""
        return periods.rules_on(on, self.period_rules)

    # Councils

    def unit_council_rule_on(self, level: Level, kind: CouncilKind, on: date) -> council.UnitCouncilRule | None:
        """The dated rule of that kind of council at that level (shared/data/councils.toml)."""
        return council.unit_rule_on(level, kind, on, self.council_rules)

    def council_rule(
        self, award: catalog.Award | None, level: Level, on: date, kind: CouncilKind | None = None
    ) -> council.AppliedRule | None:
        """The rule a council of `level` (of `kind`, by default the level's usual one) judges `award` by on `on`:
        the award's own catalogue rule, else the council kind's dated thresholds (None: the award needs no vote)."""
        if award is None:
            return None
        try:
            holder: catalog.Catalog | None = self.catalog_version(award.catalog_version)
        except LookupError:
            holder = None
        unit = self.unit_council_rule_on(level, kind or council.default_kind(level), on)
        return council.applied_rule(award.council, holder, unit)

    def rule_file(self, path: Path) -> dict[str, Any]:
        """A single-owner rule file (e.g. `self.deadline_rules`), parsed once; its owner's domain reads the entries."""
        return read_rule_file(path)

    # Working days

    def working_calendar(self) -> calendar.WorkingCalendar:
        """Weekends, public holidays and swapped working days of every year with a file."""
        return calendar.calendar_of(self.holidays_dir)
