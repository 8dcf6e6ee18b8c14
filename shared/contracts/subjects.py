"""Every subject, stream and durable name in one place. Services never spell a subject themselves."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "thidua"


@dataclass(frozen=True)
class StreamDef:
    name: str
    subjects: tuple[str, ...]


REGISTRATION_STREAM = StreamDef("REGISTRATION", (f"{PREFIX}.registration.>",))
REVIEW_STREAM = StreamDef("REVIEW", (f"{PREFIX}.review.>",))
AWARDS_STREAM = StreamDef("AWARDS", (f"{PREFIX}.awards.>",))
PORTAL_STREAM = StreamDef("PORTAL", (f"{PREFIX}.portal.>",))
DEADLETTER_STREAM = StreamDef("DEADLETTER", (f"{PREFIX}.deadletter.>",))
EVENT_STREAMS = (REGISTRATION_STREAM, REVIEW_STREAM, AWARDS_STREAM, PORTAL_STREAM)
ALL_STREAMS = (*EVENT_STREAMS, DEADLETTER_STREAM)

# Events: thidua.<owner>.<fact>
NOMINATION_SUBMITTED = f"{PREFIX}.registration.nomination_submitted"
NOMINATION_RESUBMITTED = f"{PREFIX}.registration.nomination_resubmitted"
NOMINATION_WITHDRAWN = f"{PREFIX}.registration.nomination_withdrawn"
UNITS_REORGANISED = f"{PREFIX}.registration.units_reorganised"

TASK_OPENED = f"{PREFIX}.review.task_opened"
TASK_CLAIMED = f"{PREFIX}.review.task_claimed"
TASK_RELEASED = f"{PREFIX}.review.task_released"
TASK_ESCALATED = f"{PREFIX}.review.task_escalated"
TASK_SENT_BACK = f"{PREFIX}.review.task_sent_back"
TASK_REORGANISED = f"{PREFIX}.review.task_reorganised"
TASK_REMINDER = f"{PREFIX}.review.task_reminder"
NOMINATION_FORWARDED = f"{PREFIX}.review.nomination_forwarded"
NOMINATION_RETURNED = f"{PREFIX}.review.nomination_returned"
NOMINATION_REJECTED = f"{PREFIX}.review.nomination_rejected"
NOMINATION_APPROVED = f"{PREFIX}.review.nomination_approved"
NOMINATIONS_APPROVED = f"{PREFIX}.review.nominations_approved"  # a batch: one decision lists them all
COUNCIL_VOTE_RECORDED = f"{PREFIX}.review.council_vote_recorded"  # a level's Hội đồng TĐKT voted on a nominee
PROPOSAL_FORWARDED = f"{PREFIX}.review.proposal_forwarded"  # a batch went up: its tờ trình waits for the unit's signer
NOTIFICATION_ISSUED = f"{PREFIX}.review.notification_issued"  # one per note the bell writes, for the notifier's email

DECISION_DRAFTED = f"{PREFIX}.awards.decision_drafted"  # approved: the document is a draft until an officer signs it
AWARD_GRANTED = f"{PREFIX}.awards.award_granted"
AWARD_PROPOSED = f"{PREFIX}.awards.award_proposed"  # a state title: the union's tờ trình to the deciding authority
DECISION_REVOKED = f"{PREFIX}.awards.decision_revoked"
PROPOSAL_SIGNED = f"{PREFIX}.awards.proposal_signed"  # a forwarding tờ trình signed: its number from the unit's register
STATE_OUTCOME_RECORDED = f"{PREFIX}.awards.state_outcome_recorded"  # the state authority's answer to a tờ trình

UNIT_APPROVERS_CHANGED = f"{PREFIX}.portal.unit_approvers_changed"
USER_CONTACT_CHANGED = f"{PREFIX}.portal.user_contact_changed"  # a user's email address (or active state) changed


def deadletter_subject(service: str) -> str:
    return f"{PREFIX}.deadletter.{service}"


# Request/reply, deliberately outside every stream's subjects (a request into a stream's
# subjects would get the stream's PubAck as its reply).
RPC_PREFIX = f"{PREFIX}.rpc"


def rpc_subject(service: str, operation: str) -> str:
    return f"{RPC_PREFIX}.{service}.{operation}"


@dataclass(frozen=True)
class ConsumerDef:
    durable: str
    stream: StreamDef
    # The events this durable takes, by subject: the server filters out every other event of the stream, so a
    # service never fetches, decodes and acks facts it does not react to (the consumer's handlers must be exactly
    # these: shared.platform.messaging.EventConsumer refuses to start otherwise).
    subjects: tuple[str, ...]
    # Only what the stream receives once the durable exists: a durable added to a running installation does not
    # act on the stream's history (the bell does not note years of past events as new). Created by the administrator
    # before any service runs, on a new installation it sees every event all the same.
    from_creation: bool = False

    @property
    def subscribed_subject(self) -> str:
        """The one subject a subscription names: the durable's own filter when it has one, else its stream's."""
        return self.subjects[0] if len(self.subjects) == 1 else self.stream.subjects[0]


REVIEW_FROM_REGISTRATION = ConsumerDef(
    "review-registration",
    REGISTRATION_STREAM,
    (NOMINATION_SUBMITTED, NOMINATION_RESUBMITTED, NOMINATION_WITHDRAWN, UNITS_REORGANISED),
)
# Awards reacts to single and batch approvals, and to the batches forwarded with their tờ trình.
AWARDS_FROM_REVIEW = ConsumerDef("awards-review", REVIEW_STREAM, (NOMINATION_APPROVED, NOMINATIONS_APPROVED, PROPOSAL_FORWARDED))
# Registration keeps each nomination's status and timeline: every step of review's work on it.
REGISTRATION_FROM_REVIEW = ConsumerDef(
    "registration-review",
    REVIEW_STREAM,
    (
        TASK_OPENED,
        TASK_CLAIMED,
        TASK_RELEASED,
        TASK_ESCALATED,
        TASK_SENT_BACK,
        TASK_REORGANISED,
        NOMINATION_FORWARDED,
        NOMINATION_RETURNED,
        NOMINATION_REJECTED,
        NOMINATION_APPROVED,
        NOMINATIONS_APPROVED,
        COUNCIL_VOTE_RECORDED,
    ),
)
REVIEW_FROM_PORTAL = ConsumerDef("review-portal", PORTAL_STREAM, (UNIT_APPROVERS_CHANGED,))
REGISTRATION_FROM_AWARDS = ConsumerDef(
    "registration-awards",
    AWARDS_STREAM,
    (DECISION_DRAFTED, AWARD_GRANTED, AWARD_PROPOSED, STATE_OUTCOME_RECORDED, DECISION_REVOKED, PROPOSAL_SIGNED),
)
# The bell: review reads its own facts back (a new dossier in a queue, a task assigned, a dossier returned, rejected,
# forwarded, approved, blocked by its council) and awards' decisions, and notes them for the people concerned.
REVIEW_BELL_FROM_REVIEW = ConsumerDef(
    "review-bell",
    REVIEW_STREAM,
    (
        TASK_OPENED,
        TASK_CLAIMED,
        NOMINATION_RETURNED,
        NOMINATION_REJECTED,
        NOMINATION_FORWARDED,
        NOMINATION_APPROVED,
        NOMINATIONS_APPROVED,
        COUNCIL_VOTE_RECORDED,
    ),
    from_creation=True,
)
# …and review keeps the number a forwarding tờ trình got when the unit's officer signed it (ProposalSigned).
REVIEW_FROM_AWARDS = ConsumerDef(
    "review-awards", AWARDS_STREAM, (AWARD_GRANTED, AWARD_PROPOSED, PROPOSAL_SIGNED, STATE_OUTCOME_RECORDED), from_creation=True
)
# The notifier: the notes review wrote (to email them) and the users' addresses the portal announces. Notes before the
# durable existed are not mailed; every address ever announced is read (a new notifier learns them all).
NOTIFIER_FROM_REVIEW = ConsumerDef("notifier-review", REVIEW_STREAM, (NOTIFICATION_ISSUED,), from_creation=True)
NOTIFIER_FROM_PORTAL = ConsumerDef("notifier-portal", PORTAL_STREAM, (USER_CONTACT_CHANGED,))
CONSUMERS = (
    REVIEW_FROM_REGISTRATION,
    AWARDS_FROM_REVIEW,
    REGISTRATION_FROM_REVIEW,
    REVIEW_FROM_PORTAL,
    REGISTRATION_FROM_AWARDS,
    REVIEW_BELL_FROM_REVIEW,
    REVIEW_FROM_AWARDS,
    NOTIFIER_FROM_REVIEW,
    NOTIFIER_FROM_PORTAL,
)

# JetStream buckets: dossier files (registration's, and the portal's short-lived uploads), instance heartbeats.
ATTACHMENTS_BUCKET = "thidua_attachments"
STAGING_BUCKET = "thidua_staging"
INSTANCES_BUCKET = "thidua_instances"
# Replies too large for one message (NATS's max_payload): each answering service writes its own bucket, its callers
# read it; an object lives long enough for the caller that asked for it, then expires.
REPLYING_SERVICES = ("registration", "review", "awards")
REPLIES_TTL_SECONDS = 300


def replies_bucket(service: str) -> str:
    return f"thidua_replies_{service}"


# Operators' audit trail (dead-letter replays and discards). Not in ALL_STREAMS: services never touch
# it; `shared.platform.deadletters` creates it on first use.
OPS_AUDIT_STREAM = StreamDef("OPS_AUDIT", (f"{PREFIX}.ops.audit.>",))


def ops_audit_subject(action: str) -> str:
    return f"{PREFIX}.ops.audit.{action}"
