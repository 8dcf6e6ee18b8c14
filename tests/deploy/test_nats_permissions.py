"""The 3-node cluster from deploy/nats/ and the per-service permissions of its one account (THIDUA).

A denied publish or subscribe is not an exception in nats-py: the server answers -ERR and the
client reports "permissions violation for publish/subscription to ..." through the error callback
(a denied JetStream API call, being a request, also times out). So each test connects with an
error callback and looks at what the server refused, and at the streams (as admin) to see that a
refused event was not stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import StreamConfig

from shared.contracts import subjects
from shared.platform.messaging import ensure_topology
from shared.platform.objectstore import Buckets, read_object
from shared.rules.attachments import ATTACHMENTS_BUCKET, STAGING_BUCKET
from tests.deploy.cluster import NODES, NatsCluster

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    c = NatsCluster(tmp_path_factory.mktemp("nats-cluster")).start()
    yield c
    c.stop()


@dataclass
class Session:
    nc: Client
    errors: list[str] = field(default_factory=list)

    async def refused(self) -> list[str]:
        """What the server refused so far (after a round trip, so that every -ERR has arrived)."""
        await self.nc.flush(timeout=2)
        await asyncio.sleep(0.2)
        seen, self.errors[:] = list(self.errors), []
        return seen


@asynccontextmanager
async def connect(cluster: NatsCluster, user: str) -> AsyncIterator[Session]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc).lower())

    nc = await nats.connect(cluster.servers(user), error_cb=on_error, name=f"test-{user}", allow_reconnect=False)
    try:
        yield Session(nc, errors)
    finally:
        await nc.close()


async def stored(cluster: NatsCluster, stream: str, subject: str) -> int:
    async with connect(cluster, "admin") as admin:
        info = await admin.nc.jetstream().stream_info(stream, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))


@pytest.fixture(scope="module")
def topology(cluster: NatsCluster) -> NatsCluster:
    """Streams and durables as the services create them at start-up, each with its own user."""

    async def create() -> None:
        await ensure_topology(
            cluster.url("registration"), (subjects.REGISTRATION_FROM_REVIEW, subjects.REGISTRATION_FROM_AWARDS), replicas=3
        )
        await ensure_topology(cluster.url("review"), (subjects.REVIEW_FROM_REGISTRATION, subjects.REVIEW_FROM_PORTAL), replicas=3)
        await ensure_topology(cluster.url("awards"), (subjects.AWARDS_FROM_REVIEW,), replicas=3)
        await ensure_topology(cluster.url("portal"), (), replicas=3)

    asyncio.run(create())
    return cluster


def test_three_nodes_from_the_config_files_route_to_each_other_and_elect_a_jetstream_leader(cluster: NatsCluster) -> None:
    leader = cluster.wait_ready()
    assert leader in NODES
    for name, node in cluster.nodes.items():
        varz = node.monitor("/varz")
        assert varz["server_name"] == name  # from nats-N.conf
        assert varz["cluster"]["name"] == "thidua"  # type: ignore[index]
        assert node.monitor("/routez")["num_routes"] >= 2  # type: ignore[operator]
        jsz = node.monitor("/jsz")
        assert jsz["meta_cluster"]["cluster_size"] == 3  # type: ignore[index]


@pytest.mark.asyncio
async def test_each_service_may_publish_its_own_events_and_dead_letters_only(topology: NatsCluster) -> None:
    own = {
        "registration": (subjects.NOMINATION_SUBMITTED, "REGISTRATION"),
        "review": (subjects.TASK_OPENED, "REVIEW"),
        "awards": (subjects.AWARD_GRANTED, "AWARDS"),
        "portal": (subjects.UNIT_APPROVERS_CHANGED, "PORTAL"),
    }
    for user, (subject, stream) in own.items():
        async with connect(topology, user) as s:
            ack = await s.nc.jetstream().publish(subject, b"{}", timeout=5)
            assert ack.stream == stream
            for other, (foreign, foreign_stream) in own.items():
                if other == user:
                    continue
                before = await stored(topology, foreign_stream, foreign)
                await s.nc.publish(foreign, b"{}")
                assert await s.refused() == [f'nats: permissions violation for publish to "{foreign}"'], (user, foreign)
                assert await stored(topology, foreign_stream, foreign) == before
            if user != "portal":
                ack = await s.nc.jetstream().publish(subjects.deadletter_subject(user), b"{}", timeout=5)
                assert ack.stream == "DEADLETTER"
                someone_else = "awards" if user != "awards" else "review"
                await s.nc.publish(subjects.deadletter_subject(someone_else), b"{}")
                assert len(await s.refused()) == 1


@pytest.mark.asyncio
async def test_review_cannot_publish_registrations_event_and_the_stream_does_not_receive_it(topology: NatsCluster) -> None:
    before = await stored(topology, "REGISTRATION", subjects.NOMINATION_SUBMITTED)
    async with connect(topology, "review") as review:
        with pytest.raises(nats.errors.TimeoutError):  # no PubAck: the server dropped it
            await review.nc.jetstream().publish(subjects.NOMINATION_SUBMITTED, b"{}", timeout=1)
        assert await review.refused() == [f'nats: permissions violation for publish to "{subjects.NOMINATION_SUBMITTED}"']
        assert (await review.nc.jetstream().publish(subjects.TASK_OPENED, b"{}", timeout=5)).stream == "REVIEW"
    assert await stored(topology, "REGISTRATION", subjects.NOMINATION_SUBMITTED) == before


@pytest.mark.asyncio
async def test_services_subscribe_only_to_their_rpc_their_inbox_and_what_they_consume(topology: NatsCluster) -> None:
    allowed = {
        "registration": [
            "thidua.rpc.registration.>",
            subjects.TASK_OPENED,
            subjects.AWARD_GRANTED,
            subjects.AWARD_PROPOSED,
            subjects.DECISION_REVOKED,
        ],
        "review": ["thidua.rpc.review.>", subjects.NOMINATION_SUBMITTED, subjects.UNIT_APPROVERS_CHANGED],
        "awards": ["thidua.rpc.awards.>", subjects.NOMINATION_APPROVED, subjects.NOMINATIONS_APPROVED],
        "portal": ["_INBOX.portal-test"],
    }
    denied = {
        "registration": ["thidua.rpc.review.>", subjects.NOMINATION_SUBMITTED, "thidua.>"],
        "review": ["thidua.rpc.registration.>", subjects.AWARD_GRANTED, "thidua.deadletter.>"],
        "awards": ["thidua.rpc.registration.>", subjects.NOMINATION_SUBMITTED, subjects.TASK_OPENED],
        "portal": ["thidua.rpc.>", "thidua.registration.>", ">"],
    }
    for user, subscriptions in allowed.items():
        async with connect(topology, user) as s:
            for subject in subscriptions:
                await s.nc.subscribe(subject)
            assert await s.refused() == [], user
            for subject in denied[user]:
                await s.nc.subscribe(subject)
                expected = f'nats: permissions violation for subscription to "{subject.lower()}"'
                assert await s.refused() == [expected], (user, subject)


@pytest.mark.asyncio
async def test_the_portal_asks_and_only_the_owning_service_answers_its_rpc_subjects(topology: NatsCluster) -> None:
    async with connect(topology, "registration") as registration, connect(topology, "portal") as portal:

        async def answer(msg: Msg) -> None:
            await msg.respond(b'{"ok": true}')  # allow_responses: a reply to a request received

        await registration.nc.subscribe("thidua.rpc.registration.ping", queue="thidua-registration-rpc", cb=answer)
        await registration.nc.flush()
        reply = None
        for _ in range(50):  # the subscription's interest reaches the other nodes over the routes a moment later
            try:
                reply = await portal.nc.request("thidua.rpc.registration.ping", b"{}", timeout=2)
                break
            except nats.errors.NoRespondersError:
                await asyncio.sleep(0.1)
        assert reply is not None
        assert reply.data == b'{"ok": true}'
        assert await registration.refused() == []
        assert await portal.refused() == []
        # ...but registration cannot send requests to others, nor publish on the RPC space at will
        await registration.nc.publish("thidua.rpc.review.get_task", b"{}")
        assert len(await registration.refused()) == 1


@pytest.mark.asyncio
async def test_durables_and_streams_are_guarded(topology: NatsCluster) -> None:
    async with connect(topology, "admin") as admin:
        js = admin.nc.jetstream()
        for stream in subjects.ALL_STREAMS:
            info = await js.stream_info(stream.name)
            assert info.config.num_replicas == 3
            assert info.cluster is not None
            assert len(info.cluster.replicas or []) == 2
        consumers = {c.name for s in ("REGISTRATION", "REVIEW", "AWARDS", "PORTAL") for c in await js.consumers_info(s)}
        assert consumers >= {
            "review-registration",
            "registration-review",
            "awards-review",
            "review-portal",
            "registration-awards",
        }
    async with connect(topology, "review") as review:
        js = review.nc.jetstream(timeout=1)
        with pytest.raises(nats.errors.TimeoutError):
            await js.add_consumer("REVIEW", durable_name="awards-review")  # awards' durable
        with pytest.raises(nats.errors.TimeoutError):
            await js.delete_stream("REGISTRATION")
        with pytest.raises(nats.errors.TimeoutError):  # a stream capturing the RPC space would break every request
            await js.add_stream(StreamConfig(name="SNOOP", subjects=["thidua.rpc.>"]))
        refused = await review.refused()
        assert [r.split('"')[1] for r in refused] == [
            "$js.api.consumer.durable.create.review.awards-review",
            "$js.api.stream.delete.registration",
            "$js.api.stream.create.snoop",
        ]


@pytest.mark.asyncio
async def test_heartbeat_bucket_each_service_writes_its_own_keys_and_reads_all(topology: NatsCluster) -> None:
    async with connect(topology, "review") as review:
        kv = await review.nc.jetstream().create_key_value(bucket="thidua_instances", replicas=3, history=1, ttl=60)
        await kv.put("review.review-1", b'{"ready": true}')
        assert await review.refused() == []
    async with connect(topology, "awards") as awards:
        kv = await awards.nc.jetstream(timeout=1).key_value("thidua_instances")
        await kv.put("awards.awards-1", b'{"ready": true}')
        with pytest.raises(nats.errors.TimeoutError):
            await kv.put("review.review-1", b'{"ready": false}')
        assert len(await awards.refused()) == 1
    async with connect(topology, "portal") as portal:
        kv = await portal.nc.jetstream().key_value("thidua_instances")
        assert await keys_once_replicated(kv) == ["awards.awards-1", "review.review-1"]
        entry = await kv.get("review.review-1")
        assert entry.value == b'{"ready": true}'
        assert await portal.refused() == []


async def keys_once_replicated(kv: Any, wanted: int = 2, within: float = 10.0) -> list[str]:
    """The bucket's keys as a reader sees them; on a loaded 3-node cluster a fresh reader may first find none."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            keys = sorted(await kv.keys())
        except nats.js.errors.NoKeysError:
            keys = []
        if len(keys) >= wanted or asyncio.get_running_loop().time() > deadline:
            return keys
        await asyncio.sleep(0.2)


def test_a_missing_password_stops_the_node_at_start(tmp_path: Path) -> None:
    c = NatsCluster(tmp_path)
    del c.passwords["review"]
    with pytest.raises(RuntimeError, match="NATS_REVIEW_PASSWORD"):
        c.start_node("nats-1")
    c.stop()


@pytest.mark.asyncio
async def test_dossier_files_each_bucket_is_written_by_its_owner_and_read_by_the_other_only(topology: NatsCluster) -> None:
    """The portal stages uploads in its bucket and reads registration's; registration the other way round."""
    async with connect(topology, "portal") as portal:
        staging = await Buckets(portal.nc.jetstream, replicas=3).own(STAGING_BUCKET, ttl_seconds=3600)
        await staging.put("upload-1", b"%PDF-1.7 staged")
        assert await portal.refused() == []
    async with connect(topology, "registration") as registration:
        buckets = Buckets(registration.nc.jetstream, replicas=3)
        _, data = await read_object(await buckets.other(STAGING_BUCKET), "upload-1", max_bytes=1000)
        assert data == b"%PDF-1.7 staged"
        own = await buckets.own(ATTACHMENTS_BUCKET)
        await own.put("attachment-1", data)
        await own.delete("attachment-1")  # an object put for a transaction that did not commit
        await own.put("attachment-2", data)
        assert await registration.refused() == []
        with pytest.raises(nats.errors.TimeoutError):  # it cannot write into the portal's staging area
            await (await buckets.other(STAGING_BUCKET)).put("forged", b"x")
        assert any("$o.thidua_staging.c." in r for r in await registration.refused())
    async with connect(topology, "portal") as portal:
        buckets = Buckets(portal.nc.jetstream, replicas=3)
        _, data = await read_object(await buckets.other(ATTACHMENTS_BUCKET), "attachment-2", max_bytes=1000)
        assert data == b"%PDF-1.7 staged"
        assert await portal.refused() == []
        with pytest.raises(nats.errors.TimeoutError):  # ...nor can the portal change a dossier's file
            await (await buckets.other(ATTACHMENTS_BUCKET)).put("attachment-2", b"tampered")
        assert len(await portal.refused()) >= 1
    async with connect(topology, "review") as review:
        js = review.nc.jetstream(timeout=1)
        for bucket in (ATTACHMENTS_BUCKET, STAGING_BUCKET):
            with pytest.raises(nats.errors.TimeoutError):
                await js.object_store(bucket)
        assert len(await review.refused()) == 2
