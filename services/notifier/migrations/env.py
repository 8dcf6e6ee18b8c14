from services.notifier.store import metadata
from shared.platform.migrate import run_env

run_env(metadata)
