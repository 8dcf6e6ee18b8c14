"""ensure_streams looks again when the server is busy with the stream, and gives up on anything else.

The last CI run saw nats-server answer 500 "error creating store for stream" (err_code 10049) to an
add_stream a moment after the same stream had been deleted; ensure_streams then failed a fixture."""

from __future__ import annotations

from typing import Any, cast

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServerError

from shared.contracts.subjects import ConsumerDef, StreamDef
from shared.platform import topology

STREAM = StreamDef(name="PROBE", subjects=("probe.>",))


class BusyJetStream:
    """Has no stream yet; its add_stream answers with the given errors first, then succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.added: list[Any] = []

    async def stream_info(self, name: str) -> Any:
        raise NotFoundError(code=404, description="stream not found")

    async def add_stream(self, config: StreamConfig) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.added.append(config)

    async def add_consumer(self, stream: str, config: ConsumerConfig) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.added.append(config)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topology, "TOPOLOGY_BACKOFF_SECONDS", 0.0)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "failure",
    [
        ServerError(code=500, err_code=10049, description="error creating store for stream"),
        nats.errors.TimeoutError(),
    ],
    ids=["store-still-going", "unanswered"],
)
async def test_a_stream_the_server_cannot_create_yet_is_created_on_a_later_attempt(failure: Exception) -> None:
    js = BusyJetStream(failure)
    await topology.ensure_streams(cast(JetStreamContext, js), streams=(STREAM,))
    assert [c.name for c in js.added] == ["PROBE"]


@pytest.mark.asyncio
async def test_a_server_that_stays_busy_fails_after_the_last_attempt() -> None:
    js = BusyJetStream(*[ServerError(code=500, err_code=10049, description="busy")] * topology.TOPOLOGY_ATTEMPTS)
    with pytest.raises(ServerError):
        await topology.ensure_streams(cast(JetStreamContext, js), streams=(STREAM,))
    assert js.added == []


@pytest.mark.asyncio
async def test_a_configuration_the_server_refuses_is_not_retried() -> None:
    js = BusyJetStream(BadRequestError(code=400, err_code=10058, description="stream name already in use"), ServerError())
    with pytest.raises(BadRequestError):
        await topology.ensure_streams(cast(JetStreamContext, js), streams=(STREAM,))
    assert len(js.failures) == 1  # asked once, not again


@pytest.mark.asyncio
async def test_a_durable_the_server_cannot_create_yet_is_created_on_a_later_attempt() -> None:
    js = BusyJetStream(ServerError(code=500, err_code=10012, description="consumer create failed"))
    await topology.ensure_consumer(cast(JetStreamContext, js), ConsumerDef("probe-durable", STREAM, ("probe.one",)))
    assert [c.durable_name for c in js.added] == ["probe-durable"]
