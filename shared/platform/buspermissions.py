"""Who may do what on the bus: one definition for the embedded server and for the production cluster.

`accounts_conf()` renders the nats-server `accounts` block from the topology in `shared.contracts.subjects`:
`thidua up` writes it into its own var/ directory and `deploy/nats/accounts.conf` is this same text, checked
in (a test compares them), so the two topologies cannot drift apart.

Least privilege, per user of the one THIDUA account:
- a service publishes only its own events (`thidua.<service>.>`), its own dead letters, and replies to the
  requests it received (`allow_responses`); it requests only the RPC operations it is meant to call;
- it reads only its own durables (INFO, MSG.NEXT, ACK): no stream or consumer is created, updated or deleted
  by a service; `admin` applies the topology (`thidua bus apply`, `thidua up`: shared.platform.topology);
- it subscribes only to its own RPC subjects and its own reply inbox (`_INBOX.<user>.>`: nobody reads another
  connection's replies);
- dossier files: registration writes `thidua_attachments` and reads the portal's `thidua_staging`, the portal
  the other way round;
- dead letters are removed, and the OPS_AUDIT trail written, only by the operator tools: the portal's ops
  page and the `operator` user of `thidua dlq`; neither publishes another's events (`thidua dlq replay`,
  which republishes an event to its subject, connects as `admin`).

Passwords are variables of the nats-server process (`$NATS_<USER>_PASSWORD`): generated per installation
(var/secrets for the embedded system, the deployment's secrets for compose), never in git.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.contracts import subjects
from shared.contracts.subjects import ATTACHMENTS_BUCKET, CONSUMERS, INSTANCES_BUCKET, STAGING_BUCKET, ConsumerDef

SERVICES = ("registration", "review", "awards", "notifier")
# Every user of the account, in the order of the generated file; `sys` is the server's system account.
USERS = ("registration", "review", "awards", "notifier", "portal", "operator", "admin", "sys")

# The RPC operations one service calls on another (the portal calls every service's).
SERVICE_CALLS: dict[str, tuple[str, ...]] = {
    "awards": (subjects.rpc_subject("registration", "unit_paths"), subjects.rpc_subject("registration", "unit_root")),
    # `thidua ops status` asks for the pipeline and the queues as the ops page does
    "operator": (subjects.rpc_subject("registration", "ops_pipeline"), subjects.rpc_subject("review", "ops_queues")),
}


def inbox_prefix(user: str) -> str:
    """The reply inbox of a user's connections; its permissions let it subscribe there and nowhere else."""
    return f"_INBOX.{user}"


def consumer_owner(consumer: ConsumerDef) -> str:
    """Durables are named `<owner>-<source>` (subjects.CONSUMERS)."""
    return consumer.durable.split("-", 1)[0]


def _durable(consumer: ConsumerDef) -> list[str]:
    s, d = consumer.stream.name, consumer.durable
    return [f"$JS.API.CONSUMER.INFO.{s}.{d}", f"$JS.API.CONSUMER.MSG.NEXT.{s}.{d}", f"$JS.ACK.{s}.{d}.>"]


def _bucket_read(stream: str) -> list[str]:
    """Open a bucket and read objects or keys: stream info, last-message lookups, an ordered consumer."""
    return [
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.CONSUMER.CREATE.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.DELETE.{stream}.>",
        f"$JS.FC.{stream}.>",
    ]


def _replies_written(service: str) -> list[str]:
    """Keep a reply too large for one message in the service's own replies bucket (an object store put)."""
    bucket = subjects.replies_bucket(service)
    return [f"$O.{bucket}.>", f"$JS.API.STREAM.PURGE.OBJ_{bucket}", *_bucket_read(f"OBJ_{bucket}")]


def _replies_read(calls: Iterable[str]) -> list[str]:
    """Read the large replies of the services these RPC subjects (or `thidua.rpc.>`: every service) call."""
    every = f"{subjects.RPC_PREFIX}.>"
    called = [
        s for s in subjects.REPLYING_SERVICES if any(c == every or c.startswith(f"{subjects.RPC_PREFIX}.{s}.") for c in calls)
    ]
    return [p for s in called for p in _bucket_read(f"OBJ_{subjects.replies_bucket(s)}")]


def _heartbeat(user: str) -> list[str]:
    kv = f"KV_{INSTANCES_BUCKET}"
    return [f"$JS.API.STREAM.INFO.{kv}", f"$KV.{INSTANCES_BUCKET}.{user}.>"]


def _read_dead_letters() -> list[str]:
    dlq = subjects.DEADLETTER_STREAM.name
    return [
        f"$JS.API.STREAM.INFO.{dlq}",
        f"$JS.API.STREAM.MSG.GET.{dlq}",
        f"$JS.API.DIRECT.GET.{dlq}",
        f"$JS.API.DIRECT.GET.{dlq}.>",
    ]


def _operator_tools() -> list[str]:
    """Read the whole bus's state, remove dead letters and write the audit trail: the ops page and `thidua dlq`."""
    audit = subjects.OPS_AUDIT_STREAM.name
    return [
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.INFO.*",
        "$JS.API.CONSUMER.NAMES.*",
        "$JS.API.CONSUMER.LIST.*",
        "$JS.API.CONSUMER.INFO.*.*",
        *_read_dead_letters(),
        f"$JS.API.STREAM.MSG.DELETE.{subjects.DEADLETTER_STREAM.name}",
        "thidua.ops.audit.>",
        f"$JS.API.STREAM.MSG.GET.{audit}",
        f"$JS.API.DIRECT.GET.{audit}",
        f"$JS.API.DIRECT.GET.{audit}.>",
        *_bucket_read(f"KV_{INSTANCES_BUCKET}"),
    ]


@dataclass(frozen=True)
class BusUser:
    name: str
    why: str
    publish: tuple[str, ...] = ()
    subscribe: tuple[str, ...] = ()
    allow_responses: bool = False
    unrestricted: bool = False  # everything inside the account (the stream administrator)


def _service(name: str) -> BusUser:
    own = [c for c in CONSUMERS if consumer_owner(c) == name]
    publish = [
        f"{subjects.PREFIX}.{name}.>",
        subjects.deadletter_subject(name),
        "$JS.API.INFO",
        "$JS.API.STREAM.NAMES",  # nats-py looks a bucket's stream up by subject
        *(p for c in own for p in _durable(c)),
        *_heartbeat(name),
        # a dead letter is read back (by sequence) when the ops page asks its service to run the handler again
        *_read_dead_letters(),
        *SERVICE_CALLS.get(name, ()),
        *_replies_written(name),
        *_replies_read(SERVICE_CALLS.get(name, ())),
    ]
    if name == "registration":  # dossier files: its own bucket, and the portal's uploads read-only
        publish += [f"$O.{ATTACHMENTS_BUCKET}.>", f"$JS.API.STREAM.PURGE.OBJ_{ATTACHMENTS_BUCKET}"]
        publish += _bucket_read(f"OBJ_{ATTACHMENTS_BUCKET}") + _bucket_read(f"OBJ_{STAGING_BUCKET}")
    return BusUser(
        name,
        f"the {name} service: its events, its durables ({', '.join(c.durable for c in own)}), replies to its RPC",
        publish=tuple(publish),
        subscribe=(f"{inbox_prefix(name)}.>", subjects.rpc_subject(name, ">")),
        allow_responses=True,
    )


def bus_users() -> list[BusUser]:
    portal = BusUser(
        "portal",
        "the portal: RPC requests to every service, its own events, uploads, and the ops page (an operator tool)",
        publish=(
            f"{subjects.RPC_PREFIX}.>",
            f"{subjects.PREFIX}.portal.>",
            "$JS.API.INFO",
            *_heartbeat("portal"),
            *_operator_tools(),
            f"$O.{STAGING_BUCKET}.>",
            f"$JS.API.STREAM.PURGE.OBJ_{STAGING_BUCKET}",
            *_bucket_read(f"OBJ_{STAGING_BUCKET}"),
            *_bucket_read(f"OBJ_{ATTACHMENTS_BUCKET}"),
            *_replies_read([f"{subjects.RPC_PREFIX}.>"]),
        ),
        subscribe=(f"{inbox_prefix('portal')}.>",),
    )
    operator = BusUser(
        "operator",
        "`thidua ops|dlq` on an operator's terminal: reads everything, discards dead letters; publishes no event "
        "(`dlq replay` republishes one: it takes `admin`)",
        publish=("$JS.API.INFO", *_operator_tools(), *SERVICE_CALLS["operator"], *_replies_read(SERVICE_CALLS["operator"])),
        subscribe=(f"{inbox_prefix('operator')}.>",),
    )
    admin = BusUser("admin", "the stream administrator (`thidua bus apply` applies the topology)", unrestricted=True)
    return [*(_service(s) for s in SERVICES), portal, operator, admin]


def password_variable(user: str) -> str:
    return f"NATS_{user.upper()}_PASSWORD"


def _list(items: Iterable[str], indent: str) -> str:
    return "\n".join(f'{indent}"{item}"' for item in items)


def _render(user: BusUser) -> str:
    head = f"      # {user.why}\n      {{\n        user: {user.name}\n        password: ${password_variable(user.name)}\n"
    if user.unrestricted:
        return head + "      }"
    body = (
        "        permissions: {\n"
        f"          publish: {{\n            allow: [\n{_list(user.publish, '              ')}\n            ]\n          }}\n"
        f"          subscribe: {{\n            allow: [\n{_list(user.subscribe, '              ')}\n            ]\n          }}\n"
    )
    if user.allow_responses:
        body += "          allow_responses: true\n"
    return head + body + "        }\n      }"


def accounts_conf() -> str:
    """The nats-server `accounts` block, byte for byte what deploy/nats/accounts.conf holds."""
    users = "\n\n".join(_render(u) for u in bus_users())
    return (
        "# GENERATED by `thidua bus accounts` from shared/platform/buspermissions.py: edit that file, not this one.\n"
        "# The embedded system (`thidua up`) and the cluster (compose.yaml) use this same text.\n"
        "#\n"
        "# One account (THIDUA) holding every stream; one user per service, the portal, the operator tools and the\n"
        "# stream administrator. Passwords are environment variables of the nats-server process: a missing one\n"
        '# stops the server at start ("variable reference ... can not be found"). Anonymous connections are refused.\n'
        "\n"
        "accounts {\n"
        "  THIDUA {\n"
        "    jetstream: enabled\n"
        "    users: [\n"
        f"{users}\n"
        "    ]\n"
        "  }\n"
        "\n"
        "  SYS {\n"
        "    # `nats server report jetstream`, `nats server list` (system account: server-wide, read carefully)\n"
        f"    users: [{{user: sys, password: ${password_variable('sys')}}}]\n"
        "  }\n"
        "}\n"
        "\n"
        "system_account: SYS\n"
    )
