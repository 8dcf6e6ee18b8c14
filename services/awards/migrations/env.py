from services.awards.store.tables import metadata
from shared.platform.migrate import run_env

run_env(metadata)
