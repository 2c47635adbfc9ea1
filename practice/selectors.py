from django.db.models import QuerySet

from practice.models import Firm, Invitation, InvitationStatus, Membership, User


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
