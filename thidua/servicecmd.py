"""`thidua service <name>`: run one service. Kept apart from the rest of the command line so that a service process
imports only what it runs (`python -m thidua service …` comes here directly: every start of the system spawns five)."""

from __future__ import annotations

import gc
import sys
from importlib import import_module

from shared.platform.logs import configure as configure_logs
from shared.platform.settings import SERVICES


def run(name: str) -> int:
    if name not in SERVICES:
        print(f"thidua service: không có dịch vụ “{name}” (chọn một trong: {', '.join(SERVICES)})", file=sys.stderr)
        return 2
    from services.notifier.settings import NotifierSettings
    from services.portal.settings import PortalSettings
    from shared.platform.settings import ServiceSettings
    from shared.platform.tracing import configure_tracing

    settings: ServiceSettings
    if name == "portal":
        settings = PortalSettings()
    elif name == "notifier":
        settings = NotifierSettings()
    else:
        settings = ServiceSettings(service=name)
    configure_logs(settings.log_level, name, instance=settings.instance, fmt=settings.log_format)
    configure_tracing(name, settings.instance)
    if isinstance(settings, PortalSettings):
        from services.portal.main import serve as serve_portal

        imported()
        serve_portal(settings)
        return 0
    from shared.platform.runtime import serve

    spec = import_module(f"services.{name}.main").SPEC
    imported()
    serve(spec, settings)
    return 0


def imported() -> None:
    """The service's code is loaded: keep the collector off what the imports built (it lives as long as the process)
    and turn it back on, if `python -m thidua service` turned it off for the imports. The few hundred cycles the
    imports left behind are frozen with the rest (kilobytes); start-up itself runs with the collector on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
