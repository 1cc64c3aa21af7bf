"""The complaint workflow: submit, track, move through the desk's states, and watch it live."""
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from core.errors import ApiError, BadUserInput
from core.settings import get_settings
from models.enums import ComplaintCategory, ComplaintStatus
from schema.requires import Requires
from schema.scalars import graphql_enum
from permissions import rows as scope
from services import complaints, events, transitions
from services.broadcast import FeedLost, ListenerOverrun

Status = graphql_enum(ComplaintStatus)
Category = graphql_enum(ComplaintCategory)


@strawberry.input(description="A report from a citizen. No account needed; keep the tracking code you get back.")
class SubmitComplaintInput:
    regency_code: str = strawberry.field(description="Kemendagri code of the regency that must answer, e.g. `32.15`.")
    app_id: strawberry.ID | None = strawberry.field(default=None, description="The app the report concerns, if any.")
    title: str
    body: str
    category: Category = ComplaintCategory.COMPLAINT  # type: ignore[valid-type]
    reporter_name: str
    reporter_contact: str = strawberry.field(description="Phone or e-mail, only visible to the regency desk.")


@strawberry.type(description="Proof of a submitted complaint.")
class ComplaintReceipt:
    tracking_code: str
    status: Status  # type: ignore[valid-type]
    due_at: datetime | None


@strawberry.type(description="One step of a complaint: its status, when, and the note the desk wrote for the citizen.")
class ComplaintHistoryEntry:
    status: Status  # type: ignore[valid-type]
    at: datetime
    note: str | None


@strawberry.type(description="The regency answering a tracked complaint.")
class TrackedRegency:
    code: str
    name: str


@strawberry.type(description="The app a tracked complaint concerns.")
class TrackedApp:
    name: str


@strawberry.type(description="What anyone holding the tracking code may see. Never the reporter's details.")
class ComplaintTracking:
    tracking_code: str
    status: Status  # type: ignore[valid-type]
    regency: TrackedRegency
    app: TrackedApp | None
    due_at: datetime | None
    history: list[ComplaintHistoryEntry]


def tracking_view(view: Any) -> ComplaintTracking:
    return ComplaintTracking(
        tracking_code=view.tracking_code,
        status=view.status,
        regency=TrackedRegency(code=view.regency_code, name=view.regency_name),
        app=TrackedApp(name=view.app_name) if view.app_name else None,
        due_at=view.due_at,
        history=[ComplaintHistoryEntry(status=h.status, at=h.at, note=h.note or None) for h in view.history],
    )


TrackingCode = Annotated[str, strawberry.argument(description="The full tracking code, e.g. `ADU-3215-2026-000123-K7QX9M`.")]


async def submit_complaint(
    info: strawberry.Info, input: Annotated[SubmitComplaintInput, strawberry.argument(description="The report.")]
) -> ComplaintReceipt:
    ctx = info.context
    complaint = await complaints.submit_complaint(
        regency_code=input.regency_code,
        app_id=input.app_id,
        title=input.title,
        body=input.body,
        category=input.category,
        reporter_name=input.reporter_name,
        reporter_contact=input.reporter_contact,
        client_address=ctx.client_address,
        actor=ctx.access.user,
    )
    return ComplaintReceipt(tracking_code=complaint.tracking_code, status=complaint.status, due_at=complaint.due_at)


async def track_complaint(info: strawberry.Info, tracking_code: TrackingCode) -> ComplaintTracking | None:
    # Rate-limited per client: with a random suffix in every code, guessing needs far more tries than this allows.
    await complaints.check_track_rate(info.context.client_address)
    view = await complaints.track_complaint(tracking_code)
    return tracking_view(view) if view is not None else None


def query_fields(ns, registry) -> dict[str, Any]:
    return {
        "track_complaint": strawberry.field(
            resolver=track_complaint,
            description="Status and history of a complaint by its full tracking code; null if unknown. "
            "Rate-limited per client.",
            extensions=[Requires("Complaint", "track")],
        )
    }


def mutation_fields(ns, registry) -> dict[str, Any]:
    async def transition_complaint(
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Id of the complaint.")],
        to: Annotated[Status, strawberry.argument(description="The status to move to.")],  # type: ignore[valid-type]
        note: Annotated[
            str | None,
            strawberry.argument(description="The desk's internal note on this step; never shown to the citizen."),
        ] = None,
        public_note: Annotated[
            str | None,
            strawberry.argument(description="A note for the citizen, shown when they track the complaint."),
        ] = None,
    ) -> Any:
        return await transitions.transition_complaint(info.context.access, id, to, note, public_note=public_note)

    transition_complaint.__annotations__["return"] = "Complaint"
    transition_complaint.__module__ = ns.module.__name__
    return {
        "submit_complaint": strawberry.mutation(
            resolver=submit_complaint,
            description="Submit a complaint (anyone); returns its tracking code. Rate-limited per client.",
            extensions=[Requires("Complaint", "submit")],
        ),
        "transition_complaint": strawberry.mutation(
            resolver=transition_complaint,
            description="Move a complaint to its next status; disallowed moves are BAD_USER_INPUT.",
            extensions=[Requires("Complaint", "transition")],
        ),
    }


def _watch_action(arguments: dict[str, Any]) -> str:
    # With a code, anyone sees what trackComplaint shows; without one, every complaint they may read.
    return "track" if arguments.get("tracking_code") is not None else "read"


async def _public_view(tracking_code: str) -> ComplaintTracking | None:
    view = await complaints.track_complaint(tracking_code)
    return tracking_view(view) if view is not None else None


def subscription_fields(ns, registry) -> dict[str, Any]:
    spec = registry["Complaint"]
    watching = Requires(
        spec.name, _watch_action,
        note="Needs the `track` permission on `Complaint` with a tracking code, the `read` permission without one.",
    )

    async def shown_to(ctx, delivery, arguments: dict[str, Any]) -> ComplaintTracking | None:
        """What this subscriber is sent for one change, or None. Every subscriber of the worker receives
        the same ``delivery``; the work below is shared through it, so one change costs one look-up per
        caller, one visibility check per kind of decision and one read of the complaint, however many
        subscribers there are."""
        change = delivery.item
        # Each event is answered as a new request would be: policy changes and deactivations count.
        access = await delivery.once(("access", ctx.caller), ctx.fresh_access)
        watching.check(access, arguments)
        if arguments["tracking_code"] is None:
            # Staff watching "everything they may read": callers with the same decision see the same rows.
            decision = access.decide(spec.name, "read")
            visible = await delivery.once(
                ("visible", decision), lambda: scope.in_scope(spec, access, "read", change.complaint_id)
            )
            if not visible:
                return None
        return await delivery.once("public view", lambda: _public_view(change.tracking_code))

    async def complaint_updated(
        info: strawberry.Info,
        tracking_code: Annotated[
            str | None,
            strawberry.argument(description="Watch this complaint only; leave it out for every complaint you may read."),
        ] = None,
    ) -> AsyncGenerator[ComplaintTracking, None]:
        ctx = info.context
        arguments = {"tracking_code": tracking_code}
        if tracking_code is not None:
            await complaints.check_track_rate(ctx.client_address)
        pending = get_settings().max_pending_changes
        try:
            async with events.watch_complaints(tracking_code, queue_size=pending) as changes:
                async for delivery in changes:
                    tracking = await shown_to(ctx, delivery, arguments)
                    if tracking is not None:
                        yield tracking
        except ListenerOverrun:
            raise BadUserInput(
                f"This subscription fell more than {pending} changes behind and was ended; "
                "re-read what you show, then subscribe again.",
                reason="SUBSCRIPTION_TOO_SLOW",
            ) from None
        except FeedLost:
            raise ApiError("Live updates were interrupted; subscribe again.") from None

    return {
        "complaint_updated": strawberry.subscription(
            resolver=complaint_updated,
            description="Live status changes: of one complaint by tracking code (anyone), "
            "or of every complaint you may read (desk staff).",
            extensions=[watching],
        )
    }
