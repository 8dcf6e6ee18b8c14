"""How a service runs: settings, clock, database, messaging, outbox and inbox, RPC, dead letters, object
store, logs, tracing and metrics. Imports `shared.contracts.events` and `shared.rules`, never a service.
"""
