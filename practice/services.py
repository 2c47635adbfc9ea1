"""Writes for firms, team, invitations, billing profile and the activity log."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from practice import signals
from practice.activity import activity_record
from practice.integrity import unique_or_error, violated
from practice.models import (
    BillingProfile,
    ClientAccess,
    Firm,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    User,
)
from practice.permissions import require_admin, require_primary_admin
from practice.signing import LinkError
from practice.tasks import send_invitation_email
from practice.tenancy import firm_scope


def unique_firm_slug(name: str) -> str:
    base = slugify(name)[:50] or "firm"
    slug, n = base, 2
    while Firm.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def firm_create(*, name: str, country: str, currency: str, language: str, by: User) -> Firm:
    """Create a firm whose primary admin is `by`. A firm of the same name created at
    the same moment takes the free web address first: this one gets the next."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                firm = Firm.objects.create(
                    name=name.strip(),
                    slug=unique_firm_slug(name),
                    country=country,
                    currency=currency,
                    language=language,
                )
            break
        except IntegrityError as exc:
            if attempt == 4 or not violated(exc, Firm, "slug"):
                raise
    with firm_scope(firm):
        Membership.objects.create(firm=firm, user=by, role=Role.PRIMARY_ADMIN)
        BillingProfile.objects.create(firm=firm)
        activity_record(firm=firm, by=by, verb="firm.created", target=firm)
    return firm


# Invitations -----------------------------------------------------------------


def _send_invitation(invitation: Invitation, language: str) -> None:
    # robust: a broker outage is logged, it does not undo or fail the invitation;
    # "Send again" retries.
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk, language), robust=True)


def _check_invitable(*, firm: Firm, email: str) -> None:
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


@transaction.atomic
def invitation_create(
    *, firm: Firm, email: str, role: str, by: Membership, language: str = ""
) -> Invitation:
    require_admin(by, firm=firm)
    email = email.strip().lower()
    if role not in (Role.ADMIN, Role.STANDARD):
        raise ValidationError({"role": _("Choose admin or standard.")})
    _check_invitable(firm=firm, email=email)
    with unique_or_error(
        Invitation,
        "invitation_one_pending_per_email",
        recheck=lambda: _check_invitable(firm=firm, email=email),
    ):
        invitation = Invitation.objects.create(
            firm=firm, email=email, role=role, invited_by=by.user
        )
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
            raise LinkError(_("This invitation is no longer valid."))
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


def _check_no_account(email: str) -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _("An account with this e-mail address exists already: sign in instead.")
        )


def account_create(*, email: str, password: str, full_name: str, language: str) -> User:
    """Create an account from an invitation link (firm team or company portal)."""
    _check_no_account(email)
    with unique_or_error(
        User, "email", "user_email_ci_unique", recheck=lambda: _check_no_account(email)
    ):
        return User.objects.create_user(
            email=email, password=password, full_name=full_name, language=language
        )


@transaction.atomic
def invitation_accept_new_account(
    *, invitation: Invitation, password: str, full_name: str, language: str
) -> User:
    """Create the invitee's account with the invited address, and join the firm."""
    user = account_create(
        email=invitation.email, password=password, full_name=full_name, language=language
    )
    invitation_accept(invitation=invitation, user=user)
    return user


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


def member_workload(membership: Membership) -> int:
    """How much of this member's work the apps above must hand over (their
    clients, for one): the sum of what each registered app answers."""
    replies = signals.member_workload.send(sender=Membership, membership=membership)
    return sum(count or 0 for _receiver, count in replies)


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
    if member_workload(membership):
        if reassign_to is None:
            raise ValidationError(_("Choose who takes over this person's clients."))
        if (
            reassign_to.firm_id != firm.pk
            or not reassign_to.is_active
            or reassign_to.pk == membership.pk
        ):
            raise ValidationError(_("Choose an active member of the team."))
        signals.member_handover.send(
            sender=Membership, firm=firm, membership=membership, successor=reassign_to, by=by.user
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
def membership_set_client_access(
    *, firm: Firm, membership: Membership, mode: str, by: Membership
) -> Membership:
    """All clients, or assigned clients only (R30). Admins always reach every client."""
    require_admin(by, firm=firm)
    if membership.firm_id != firm.pk:
        raise ValidationError(_("Choose an active member of the team."))
    if mode not in ClientAccess.values:
        raise ValidationError(_("Choose all clients or assigned clients only."))
    if membership.is_admin and mode == ClientAccess.ASSIGNED:
        raise ValidationError(_("Admins always reach every client."))
    before = membership.client_access
    if before == mode:
        return membership
    membership.client_access = mode
    membership.save(update_fields=["client_access"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="member.client_access_changed",
        target=membership,
        target_label=str(membership.user),
        changes={"client_access": [before, mode]},
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
    # A handover submitted at the same moment went first: `by` is no longer primary.
    require_primary_admin(current, firm=firm)
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
    """Admins edit the firm; whether admins see only their own clients on the
    billing tab is the primary admin's choice alone (R30)."""
    require_admin(by, firm=firm)
    for name in ("billing_assigned_only", "two_step_required_from"):
        if name in fields and fields[name] != getattr(firm, name):
            require_primary_admin(by, firm=firm)
    changes = {}
    for name, value in fields.items():
        before = getattr(firm, name)
        if before != value:
            changes[name] = [before, value]
            setattr(firm, name, value)
    if changes:
        firm.clean_fields(exclude=["slug"])
        firm.save()
        policy = changes.pop("two_step_required_from", None)
        if changes:
            activity_record(
                firm=firm, by=by.user, verb="firm.updated", target=firm, changes=changes
            )
        if policy:
            _two_step_policy_record(firm=firm, by=by, before=policy[0], after=policy[1])
    return firm


def _two_step_policy_record(*, firm: Firm, by: Membership, before, after) -> None:
    """The two-step policy gets its own entry in the log (R33): who required it
    from which day, or stopped requiring it."""
    activity_record(
        firm=firm,
        by=by.user,
        verb="firm.two_step_required" if after else "firm.two_step_not_required",
        target=firm,
        target_label=after.isoformat() if after else firm.name,
        changes={"two_step_required_from": [d.isoformat() if d else None for d in (before, after)]},
    )
