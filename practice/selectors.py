import datetime

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from practice import signals
from practice.models import (
    ActivityEvent,
    BillingProfile,
    Firm,
    Invitation,
    InvitationStatus,
    Membership,
    User,
)
from practice.signing import (
    LinkError,
    invitation_max_age,
    link_read,
    link_token,
    link_url,
    superseded,
)
from practice.tenancy import get_in_firm_or_404


def account_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def firm_fresh(*, firm: Firm) -> Firm:
    """The firm as stored now (a form edits this copy, not the request's)."""
    return Firm.objects.get(pk=firm.pk)


def access_member_by_id(*, firm: Firm, membership_id) -> Membership:
    """One member of `firm` (with the user), or 404 as for a missing one."""
    return get_in_firm_or_404(
        Membership.objects.select_related("user"), firm=firm, pk=membership_id
    )


def access_invitation_by_id(*, firm: Firm, invitation_id) -> Invitation:
    return get_in_firm_or_404(Invitation, firm=firm, pk=invitation_id)


def firms_for_user(user: User) -> list[Firm]:
    """Firms where `user` is an active member, by name."""
    return list(
        Firm.objects.filter(membership__user=user, membership__is_active=True)
        .order_by("name")
        .distinct()
    )


def team_members(*, firm: Firm) -> QuerySet[Membership]:
    """The team, each member with `has_two_step` (an authenticator app or a passkey)."""
    second_factor = Authenticator.objects.filter(
        user=OuterRef("user"),
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
    )
    return (
        Membership.objects.filter(firm=firm)
        .select_related("user")
        .annotate(has_two_step=Exists(second_factor))
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
    membership: Membership | None = None,
    actor_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[ActivityEvent]:
    """The firm's activity log as `membership` may read it (R31: a member restricted
    to some clients reads only those clients' entries), newest first, optionally by
    one person and between two dates (both inclusive, in the current time zone)."""
    events = ActivityEvent.objects.filter(firm=firm).select_related("actor")
    if membership is not None:
        for _receiver, condition in signals.activity_restriction.send(
            sender=Membership, membership=membership
        ):
            if condition is not None:
                events = events.filter(condition)
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


# Invitation links ----------------------------------------------------------------

INVITATION_SALT = "practice.invitation"


def invitation_token(invitation: Invitation) -> str:
    return link_token(salt=INVITATION_SALT, key="i", pk=invitation.pk, nonce=invitation.nonce)


def invitation_url(invitation: Invitation) -> str:
    return link_url("invitation_accept", invitation_token(invitation))


def invitation_from_token(token: str) -> Invitation:
    """Resolve a link's token to a pending, unexpired invitation.

    Raises LinkError with a message fit for the person holding the link."""
    pk, nonce = link_read(
        token,
        salt=INVITATION_SALT,
        key="i",
        max_age=invitation_max_age(),
        expired=_("This invitation has expired. Ask the firm to send it again."),
    )
    invitation = Invitation.unscoped.select_related("firm", "invited_by").filter(pk=pk).first()
    if invitation is None or invitation.nonce != nonce:
        raise superseded()
    if invitation.status == InvitationStatus.ACCEPTED:
        raise LinkError(_("This invitation has already been accepted."))
    if invitation.status == InvitationStatus.REVOKED:
        raise LinkError(_("This invitation was withdrawn by the firm."))
    if invitation.is_expired:
        raise LinkError(_("This invitation has expired. Ask the firm to send it again."))
    return invitation
