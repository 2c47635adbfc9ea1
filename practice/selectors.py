import datetime

from django.db.models import QuerySet
from django.utils import timezone

from practice.models import (
    ActivityEvent,
    BillingProfile,
    Firm,
    Invitation,
    InvitationStatus,
    Membership,
    User,
)


def firms_for_user(user: User) -> list[Firm]:
    """Firms where `user` is an active member, by name."""
    return list(
        Firm.objects.filter(membership__user=user, membership__is_active=True)
        .order_by("name")
        .distinct()
    )


def team_members(*, firm: Firm) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(firm=firm)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )


def pending_invitations(*, firm: Firm) -> QuerySet[Invitation]:
    return Invitation.objects.filter(firm=firm, status=InvitationStatus.PENDING).select_related(
        "invited_by"
    )


def billing_profile(*, firm: Firm) -> BillingProfile:
    """The firm's billing profile; an empty, unsaved one when none exists yet."""
    return BillingProfile.objects.filter(firm=firm).first() or BillingProfile(firm=firm)


def activity_events(
    *,
    firm: Firm,
    actor_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[ActivityEvent]:
    """The firm's activity log, newest first, optionally by one person and
    between two dates (both inclusive, in the current time zone)."""
    events = ActivityEvent.objects.filter(firm=firm).select_related("actor")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(
            created_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
        )
    if end:
        events = events.filter(
            created_at__lt=datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
        )
    return events.order_by("-created_at", "-id")


def activity_people(*, firm: Firm) -> QuerySet[Membership]:
    """Everyone who is or was in the team, for the activity filter."""
    return (
        Membership.objects.filter(firm=firm)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
