"""The 3-node cluster from deploy/nats/ and the per-service permissions of its one account (THIDUA).

A denied publish or subscribe is not an exception in nats-py: the server answers -ERR and the
client reports "permissions violation for publish/subscription to ..." through the error callback
(a denied JetStream API call, being a request, also times out). So each test connects with an
error callback and looks at what the server refused, and at the streams (as admin) to see that a
refused event was not stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import pytest
from nats.aio.msg import Msg
from nats.js.api import RePublish, StreamConfig, StreamSource, SubjectTransform

from shared.contracts import subjects
from shared.contracts.operations import SpilledPointer
from shared.contracts.subjects import ATTACHMENTS_BUCKET, STAGING_BUCKET
from shared.platform.buspermissions import accounts_conf
from shared.platform.largereplies import LargeReplies
from shared.platform.objectstore import Buckets, read_object
from shared.platform.topology import apply_topology
from tests.bussession import LOOKUP_THEN_REFUSED_WAIT, REFUSED_WAIT, Session, bus_session
from tests.deploy.cluster import NATS_DIR, NODES, NatsCluster

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    c = NatsCluster(tmp_path_factory.mktemp("nats-cluster")).start()
    yield c
    c.stop()


def connect(cluster: NatsCluster, user: str) -> AbstractAsyncContextManager[Session]:
    return bus_session(cluster.servers(user), user)


async def stored(cluster: NatsCluster, stream: str, subject: str) -> int:
    async with connect(cluster, "admin") as admin:
        info = await admin.nc.jetstream().stream_info(stream, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))


@pytest.fixture(scope="module")
def topology(cluster: NatsCluster) -> NatsCluster:
    """Streams, durables and buckets as `thidua bus apply` creates them: as the administrator, once."""
    asyncio.run(apply_topology(cluster.url("admin"), replicas=3))
    return cluster


def test_the_checked_in_accounts_file_is_the_one_the_code_generates() -> None:
    """deploy/nats/accounts.conf and the embedded server's file come from one definition (`thidua bus accounts`)."""
    assert (NATS_DIR / "accounts.conf").read_text() == accounts_conf()


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
            await review.refusing().publish(subjects.NOMINATION_SUBMITTED, b"{}")
        assert await review.refused() == [f'nats: permissions violation for publish to "{subjects.NOMINATION_SUBMITTED}"']
        assert (await review.nc.jetstream().publish(subjects.TASK_OPENED, b"{}", timeout=5)).stream == "REVIEW"
    assert await stored(topology, "REGISTRATION", subjects.NOMINATION_SUBMITTED) == before


@pytest.mark.asyncio
async def test_services_subscribe_only_to_their_rpc_their_inbox_and_what_they_consume(topology: NatsCluster) -> None:
    # Events reach a service through its own pull durables (replies to its own inbox), never by subscribing to
    # a subject: nobody can listen to the RPC traffic or to another connection's replies.
    allowed = {
        "registration": ["thidua.rpc.registration.>", "_INBOX.registration.abc"],
        "review": ["thidua.rpc.review.>", "_INBOX.review.abc"],
        "awards": ["thidua.rpc.awards.>", "_INBOX.awards.abc"],
        "portal": ["_INBOX.portal.abc"],
    }
    denied = {
        "registration": ["thidua.rpc.review.>", subjects.NOMINATION_SUBMITTED, subjects.TASK_OPENED, "thidua.>", "_INBOX.>"],
        "review": ["thidua.rpc.registration.>", subjects.AWARD_GRANTED, "thidua.deadletter.>", "_INBOX.portal.>"],
        "awards": ["thidua.rpc.registration.>", subjects.NOMINATION_APPROVED, subjects.TASK_OPENED, "_INBOX.review.>"],
        "portal": ["thidua.rpc.>", "thidua.registration.>", ">", "_INBOX.registration.>"],
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
async def test_only_the_administrator_made_the_streams_and_durables(topology: NatsCluster) -> None:
    async with connect(topology, "admin") as admin:
        js = admin.nc.jetstream()
        for stream in subjects.ALL_STREAMS:
            info = await js.stream_info(stream.name)
            assert info.config.num_replicas == 3
            assert info.cluster is not None
            assert len(info.cluster.replicas or []) == 2
        consumers = {c.name for s in ("REGISTRATION", "REVIEW", "AWARDS", "PORTAL") for c in await js.consumers_info(s)}
        assert consumers == {c.durable for c in subjects.CONSUMERS}


# What an attacker holding one service's credentials tried (issue 14): each is refused by the server.
STREAM_ATTACKS: dict[str, Callable[[str], StreamConfig]] = {
    "republish into review's approvals": lambda name: StreamConfig(
        name="REGISTRATION",
        subjects=["thidua.registration.>"],
        republish=RePublish(src="thidua.registration.>", dest="thidua.review.nomination_approved"),
    ),
    "a stream sourcing another with a subject transform": lambda name: StreamConfig(
        name=f"FORGE_{name.upper()}",
        sources=[
            StreamSource(
                name="REGISTRATION",
                subject_transforms=[SubjectTransform(src="thidua.registration.>", dest="thidua.review.nomination_approved")],
            )
        ],
    ),
    "max_msgs=1 on AWARDS": lambda name: StreamConfig(name="AWARDS", subjects=["thidua.awards.>"], max_msgs=1),
    "a stream capturing the RPC space": lambda name: StreamConfig(name=f"SNOOP_{name.upper()}", subjects=["thidua.rpc.>"]),
}


@pytest.mark.parametrize("user", ["registration", "review", "awards", "portal", "operator"])
@pytest.mark.asyncio
async def test_no_service_user_may_create_update_or_delete_a_stream_or_a_durable(topology: NatsCluster, user: str) -> None:
    async with connect(topology, user) as s:
        js = s.refusing()
        for attack, make in STREAM_ATTACKS.items():
            config = make(user)
            change = js.update_stream if config.name in {"REGISTRATION", "AWARDS"} else js.add_stream
            with pytest.raises(nats.errors.TimeoutError):  # a refused request gets no answer
                await change(config)
            assert len(await s.refused()) == 1, (user, attack)
        own = next((c for c in subjects.CONSUMERS if c.durable.startswith(f"{user}-")), subjects.AWARDS_FROM_REVIEW)
        with pytest.raises(nats.errors.TimeoutError):  # not even its own durable: the administrator keeps it
            await js.add_consumer(own.stream.name, durable_name=own.durable, max_deliver=1)
        with pytest.raises(nats.errors.TimeoutError):
            await js.delete_consumer(own.stream.name, own.durable)
        with pytest.raises(nats.errors.TimeoutError):
            await js.delete_stream("REGISTRATION")
        with pytest.raises(nats.errors.TimeoutError):
            await js.purge_stream("AWARDS")
        assert len(await s.refused()) == 4
    async with connect(topology, "admin") as admin:
        js = admin.nc.jetstream()
        assert (await js.stream_info("AWARDS")).config.max_msgs == -1
        assert (await js.stream_info("REGISTRATION")).config.republish is None
        names = {i.config.name for i in await js.streams_info()}
        assert not {n for n in names if n and n.startswith(("FORGE_", "SNOOP_"))}


@pytest.mark.parametrize("user", ["registration", "review", "awards"])
@pytest.mark.asyncio
async def test_a_service_neither_writes_the_audit_trail_nor_removes_dead_letters(topology: NatsCluster, user: str) -> None:
    async with connect(topology, "admin") as admin:
        ack = await admin.nc.jetstream().publish(
            subjects.deadletter_subject("awards"), b"{}", headers={"Thidua-Dlq-Service": "awards"}
        )
    async with connect(topology, user) as s:
        await s.nc.publish(subjects.ops_audit_subject("discard"), b"{}")
        assert len(await s.refused()) == 1
        with pytest.raises(TimeoutError):  # nats-py's delete_msg has no timeout of its own: a short wait for no answer
            await asyncio.wait_for(s.nc.jetstream().delete_msg("DEADLETTER", ack.seq), REFUSED_WAIT)
        assert len(await s.refused()) == 1
        assert (await s.nc.jetstream().get_msg("DEADLETTER", ack.seq)).seq == ack.seq  # reading it back is allowed (retry)
    async with connect(topology, "operator") as operator:  # the operator tools may
        await operator.nc.jetstream().delete_msg("DEADLETTER", ack.seq)
        assert await operator.refused() == []


@pytest.mark.asyncio
async def test_who_may_call_which_rpc_operation(topology: NatsCluster) -> None:
    """The portal asks everything; awards only registration's unit paths and root (the grassroots register, reports);
    operators the two figures `thidua ops status` shows; no service another's operations."""
    allowed = {
        "awards": [subjects.rpc_subject("registration", "unit_paths"), subjects.rpc_subject("registration", "unit_root")],
        "operator": [subjects.rpc_subject("registration", "ops_pipeline"), subjects.rpc_subject("review", "ops_queues")],
        "portal": [subjects.rpc_subject("review", "decide"), subjects.rpc_subject("awards", "get_decision")],
    }
    denied = {
        "awards": [subjects.rpc_subject("registration", "list"), subjects.rpc_subject("review", "decide")],
        "review": [subjects.rpc_subject("registration", "unit_paths"), subjects.rpc_subject("awards", "revoke")],
        "registration": [subjects.rpc_subject("review", "decide")],
        "operator": [subjects.rpc_subject("review", "decide"), subjects.rpc_subject("registration", "list")],
    }
    for user, wanted in allowed.items():
        async with connect(topology, user) as s:
            for subject in wanted:
                await s.nc.publish(subject, b"{}")
            assert await s.refused() == [], user
    for user, forbidden in denied.items():
        async with connect(topology, user) as s:
            for subject in forbidden:
                await s.nc.publish(subject, b"{}")
                assert await s.refused() == [f'nats: permissions violation for publish to "{subject}"'], (user, subject)


@pytest.mark.asyncio
async def test_an_anonymous_or_wrongly_authenticated_connection_is_refused(topology: NatsCluster) -> None:
    port = topology.nodes[NODES[0]].port
    for url in (f"nats://127.0.0.1:{port}", f"nats://review:wrong@127.0.0.1:{port}"):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


@pytest.mark.asyncio
async def test_heartbeat_bucket_each_service_writes_its_own_keys_and_reads_all(topology: NatsCluster) -> None:
    async with connect(topology, "review") as review:
        kv = await review.nc.jetstream().key_value("thidua_instances")
        await kv.put("review.review-1", b'{"ready": true}')
        assert await review.refused() == []
    async with connect(topology, "awards") as awards:
        await (await awards.nc.jetstream().key_value("thidua_instances")).put("awards.awards-1", b'{"ready": true}')
        with pytest.raises(nats.errors.TimeoutError):
            await (await awards.refusing(LOOKUP_THEN_REFUSED_WAIT).key_value("thidua_instances")).put(
                "review.review-1", b'{"ready": false}'
            )
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
            await (await Buckets(lambda: registration.refusing(LOOKUP_THEN_REFUSED_WAIT)).other(STAGING_BUCKET)).put(
                "forged", b"x"
            )
        assert any("$o.thidua_staging.c." in r for r in await registration.refused())
    async with connect(topology, "portal") as portal:
        buckets = Buckets(portal.nc.jetstream, replicas=3)
        _, data = await read_object(await buckets.other(ATTACHMENTS_BUCKET), "attachment-2", max_bytes=1000)
        assert data == b"%PDF-1.7 staged"
        assert await portal.refused() == []
        with pytest.raises(nats.errors.TimeoutError):  # ...nor can the portal change a dossier's file
            await (await Buckets(lambda: portal.refusing(LOOKUP_THEN_REFUSED_WAIT)).other(ATTACHMENTS_BUCKET)).put(
                "attachment-2", b"tampered"
            )
        assert len(await portal.refused()) >= 1
    async with connect(topology, "review") as review:
        js = review.refusing()
        for bucket in (ATTACHMENTS_BUCKET, STAGING_BUCKET):
            with pytest.raises(nats.errors.TimeoutError):
                await js.object_store(bucket)
        assert len(await review.refused()) == 2


@pytest.mark.asyncio
async def test_large_replies_each_service_writes_its_own_bucket_and_only_its_callers_read_it(topology: NatsCluster) -> None:
    """A reply too large for one message waits in the answering service's bucket: awards writes its own (and cannot
    write registration's, whose replies it reads); the portal reads it; review, which never calls awards, cannot."""
    async with connect(topology, "awards") as awards:
        pointer = await LargeReplies(awards.nc.jetstream).spill_for("awards")(b'{"ok":true,"data":{"people":1000}}')
        assert await awards.refused() == []
        registrations = await Buckets(lambda: awards.refusing(LOOKUP_THEN_REFUSED_WAIT)).other(
            subjects.replies_bucket("registration")
        )
        with pytest.raises(nats.errors.TimeoutError):
            await registrations.put("forged", b'{"ok":true,"data":"forged"}')
        assert any("$o.thidua_replies_registration.c." in r for r in await awards.refused())
    async with connect(topology, "portal") as portal:
        reply = await LargeReplies(portal.nc.jetstream).fetch(SpilledPointer.model_validate(pointer).spilled)
        assert reply.data == {"people": 1000}
        assert await portal.refused() == []
    async with connect(topology, "review") as review:
        with pytest.raises(nats.errors.TimeoutError):
            await review.refusing().object_store(subjects.replies_bucket("awards"))
        assert len(await review.refused()) == 1
