"""Writes for firms, team, invitations, billing profile and the activity log."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from practice.models import (
    ActivityEvent,
    BillingProfile,
    Firm,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    User,
)
from practice.tenancy import firm_scope

INVITATION_SALT = "practice.invitation"


def activity_record(
    *,
    firm: Firm,
    by: User | None,
    verb: str,
    target=None,
    target_type: str = "",
    target_label: str = "",
    changes: dict | None = None,
) -> ActivityEvent:
    """Append one entry to the firm's activity log."""
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_label = target_label or str(target)
    return ActivityEvent.objects.create(
        firm=firm,
        actor=by,
        verb=verb,
        target_type=target_type,
        target_id=getattr(target, "pk", None),
        target_label=target_label[:255],
        changes=changes or {},
    )


def unique_firm_slug(name: str) -> str:
    base = slugify(name)[:50] or "firm"
    slug, n = base, 2
    while Firm.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def firm_create(*, name: str, country: str, currency: str, language: str, by: User) -> Firm:
    """Create a firm whose primary admin is `by`."""
    firm = Firm.objects.create(
        name=name.strip(),
        slug=unique_firm_slug(name),
        country=country,
        currency=currency,
        language=language,
    )
    with firm_scope(firm):
        Membership.objects.create(firm=firm, user=by, role=Role.PRIMARY_ADMIN)
        BillingProfile.objects.create(firm=firm)
        activity_record(firm=firm, by=by, verb="firm.created", target=firm)
    return firm


def require_admin(membership: Membership, firm: Firm | None = None) -> None:
    """Admins and the primary admin manage team and billing (R2); with `firm`,
    the member must also belong to that firm."""
    if firm is not None and membership.firm_id != firm.pk:
        raise PermissionDenied(_("Only the firm's admins can do this."))
    if not membership.is_admin:
        raise PermissionDenied(_("Only the firm's admins can do this."))


def require_primary_admin(membership: Membership, firm: Firm | None = None) -> None:
    if firm is not None and membership.firm_id != firm.pk:
        raise PermissionDenied(_("Only the firm's primary admin can do this."))
    if not membership.is_primary_admin:
        raise PermissionDenied(_("Only the firm's primary admin can do this."))


# Invitations -----------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(
        {"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT, compress=True
    )


def invitation_url(invitation: Invitation) -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse(
        "invitation_accept", args=[invitation_token(invitation)]
    )


class InvitationError(Exception):
    pass


def invitation_from_token(token: str) -> Invitation:
    """Resolve a link's token to a pending, unexpired invitation.

    Raises InvitationError with a message fit for the person holding the link."""
    max_age = settings.INVITATION_MAX_AGE_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationError(
            _("This invitation has expired. Ask the firm to send it again.")
        ) from None
    except signing.BadSignature:
        raise InvitationError(_("This invitation link is not valid.")) from None
    invitation = (
        Invitation.unscoped.select_related("firm", "invited_by").filter(pk=data.get("i")).first()
    )
    if invitation is None or invitation.nonce != data.get("n"):
        raise InvitationError(
            _("This invitation link is no longer valid. A newer one may have been sent.")
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationError(_("This invitation has already been accepted."))
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationError(_("This invitation was withdrawn by the firm."))
    if invitation.is_expired:
        raise InvitationError(_("This invitation has expired. Ask the firm to send it again."))
    return invitation


def _send_invitation(invitation: Invitation, language: str) -> None:
    from practice.tasks import send_invitation_email

    # robust: a broker outage is logged, it does not undo or fail the invitation;
    # "Send again" retries.
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk, language), robust=True)


@transaction.atomic
def invitation_create(
    *, firm: Firm, email: str, role: str, by: Membership, language: str = ""
) -> Invitation:
    require_admin(by, firm=firm)
    email = email.strip().lower()
    if role not in (Role.ADMIN, Role.STANDARD):
        raise ValidationError({"role": _("Choose admin or standard.")})
    existing = Membership.objects.filter(firm=firm, user__email__iexact=email).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError({"email": _("This person is already in the team.")})
        raise ValidationError(
            {"email": _("This person was deactivated: reactivate them from the team list.")}
        )
    if Invitation.objects.filter(
        firm=firm, email__iexact=email, status=InvitationStatus.PENDING
    ).exists():
        raise ValidationError(
            {
                "email": _(
                    "An invitation is already pending for this address. You can send it again from the list."
                )
            }
        )
    invitation = Invitation.objects.create(firm=firm, email=email, role=role, invited_by=by.user)
    activity_record(
        firm=firm,
        by=by.user,
        verb="invitation.sent",
        target=invitation,
        changes={"role": [None, role]},
    )
    _send_invitation(invitation, language or firm.language)
    return invitation


@transaction.atomic
def invitation_resend(
    *, firm: Firm, invitation: Invitation, by: Membership, language: str = ""
) -> Invitation:
    """Send a fresh link valid for another 30 days; earlier links stop working."""
    require_admin(by, firm=firm)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only pending invitations can be sent again."))
    invitation.nonce = Invitation._meta.get_field("nonce").default()
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["nonce", "sent_at"])
    activity_record(firm=firm, by=by.user, verb="invitation.resent", target=invitation)
    _send_invitation(invitation, language or firm.language)
    return invitation


@transaction.atomic
def invitation_revoke(*, firm: Firm, invitation: Invitation, by: Membership) -> Invitation:
    require_admin(by, firm=firm)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only pending invitations can be withdrawn."))
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    activity_record(firm=firm, by=by.user, verb="invitation.revoked", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the firm. A person who was a member before is reactivated."""
    firm = invitation.firm
    with firm_scope(firm):
        invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
        if invitation.status != InvitationStatus.PENDING or invitation.is_expired:
            raise InvitationError(_("This invitation is no longer valid."))
        membership = Membership.objects.filter(firm=firm, user=user).first()
        if membership is None:
            membership = Membership.objects.create(firm=firm, user=user, role=invitation.role)
        elif not membership.is_active:
            membership.is_active = True
            membership.deactivated_at = None
            if not membership.is_primary_admin:
                membership.role = invitation.role
            membership.save(update_fields=["is_active", "deactivated_at", "role"])
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
        activity_record(
            firm=firm, by=user, verb="member.joined", target=membership, target_label=str(user)
        )
    return membership


# Team ------------------------------------------------------------------------


@transaction.atomic
def membership_change_role(
    *, firm: Firm, membership: Membership, role: str, by: Membership
) -> Membership:
    require_admin(by, firm=firm)
    if role not in (Role.ADMIN, Role.STANDARD):
        raise ValidationError(_("The primary admin role is handed over, not assigned."))
    if membership.is_primary_admin:
        raise ValidationError(
            _("The primary admin's role changes only by handing the role to someone else.")
        )
    if not membership.is_active:
        raise ValidationError(_("Reactivate this person before changing their role."))
    before = membership.role
    if before == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="member.role_changed",
        target=membership,
        target_label=str(membership.user),
        changes={"role": [before, role]},
    )
    return membership


def lead_client_count(membership: Membership) -> int:
    """How many clients this member leads (0 until the clients app says otherwise)."""
    from clients import services as client_services

    counter = getattr(client_services, "lead_client_count", None)
    return counter(membership=membership) if counter else 0


@transaction.atomic
def membership_deactivate(
    *, firm: Firm, membership: Membership, by: Membership, reassign_to: Membership | None = None
) -> Membership:
    """Deactivate a member. Their clients go to `reassign_to` first when they lead any."""
    require_admin(by, firm=firm)
    if membership.is_primary_admin:
        raise ValidationError(
            _("Hand the primary admin role to someone else before deactivating this person.")
        )
    if membership.pk == by.pk:
        raise ValidationError(_("You can't deactivate yourself."))
    if not membership.is_active:
        return membership
    if lead_client_count(membership):
        if reassign_to is None:
            raise ValidationError(_("Choose who takes over this person's clients."))
        if (
            reassign_to.firm_id != firm.pk
            or not reassign_to.is_active
            or reassign_to.pk == membership.pk
        ):
            raise ValidationError(_("Choose an active member of the team."))
        from clients import services as client_services

        client_services.clients_reassign_lead(
            firm=firm, source=membership, target=reassign_to, by=by.user
        )
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="member.deactivated",
        target=membership,
        target_label=str(membership.user),
    )
    return membership


@transaction.atomic
def membership_reactivate(*, firm: Firm, membership: Membership, by: Membership) -> Membership:
    require_admin(by, firm=firm)
    if membership.is_active:
        return membership
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="member.reactivated",
        target=membership,
        target_label=str(membership.user),
    )
    return membership


@transaction.atomic
def primary_admin_transfer(*, firm: Firm, to: Membership, by: Membership) -> Membership:
    """Hand the primary admin role to another active member (R2). The previous
    primary admin becomes an admin. The database allows one primary admin per firm."""
    require_primary_admin(by, firm=firm)
    if to.pk == by.pk:
        raise ValidationError(_("You are already the primary admin."))
    if to.firm_id != firm.pk or not to.is_active:
        raise ValidationError(_("Choose an active member of the team."))
    current = Membership.objects.select_for_update(of=("self",)).get(pk=by.pk)
    current.role = Role.ADMIN
    current.save(update_fields=["role"])
    to.role = Role.PRIMARY_ADMIN
    to.save(update_fields=["role"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="member.primary_admin_transferred",
        target=to,
        target_label=str(to.user),
        changes={"primary_admin": [str(by.user), str(to.user)]},
    )
    return to


@transaction.atomic
def billing_profile_update(*, firm: Firm, by: Membership, **fields) -> BillingProfile:
    require_admin(by, firm=firm)
    profile, _created = BillingProfile.objects.get_or_create(firm=firm)
    changes = {}
    for name, value in fields.items():
        before = getattr(profile, name)
        if before != value:
            changes[name] = [before, value]
            setattr(profile, name, value)
    if changes:
        profile.clean_fields(exclude=["firm"])
        profile.save()
        activity_record(
            firm=firm, by=by.user, verb="billing_profile.updated", target=profile, changes=changes
        )
    return profile


@transaction.atomic
def firm_update(*, firm: Firm, by: Membership, **fields) -> Firm:
    require_admin(by, firm=firm)
    changes = {}
    for name, value in fields.items():
        before = getattr(firm, name)
        if before != value:
            changes[name] = [before, value]
            setattr(firm, name, value)
    if changes:
        firm.clean_fields(exclude=["slug"])
        firm.save()
        activity_record(firm=firm, by=by.user, verb="firm.updated", target=firm, changes=changes)
    return firm
