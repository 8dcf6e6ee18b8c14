"""The JSON API (`/api/v1`, documented at `/openapi.json`): authenticate, then ask the owning service over NATS.

One module per resource, each a `build_router(gateway)`; `router.build_api` puts them together. No business rules
here, and nothing from the console (`services.portal.web`): what both need lives beside them in `services.portal`.
"""
