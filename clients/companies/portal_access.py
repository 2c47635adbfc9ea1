"""Portal access for a company's team: the e-mailed invitation and its acceptance.
A link stays valid 30 days; sending again makes earlier links stop working."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.companies import tasks
from clients.companies.services import check_actor, log_in_firms, log_member, member_of
from clients.models import Client, Company, CompanyMember, _new_nonce
from practice.models import Membership, User
from practice.services import account_create
from practice.signing import LinkError


@transaction.atomic
def company_member_invite_portal(
    *,
    company: Company,
    member: CompanyMember,
    by: Membership | CompanyMember,
    client: Client | None = None,
    language: str = "",
) -> CompanyMember:
    """E-mail the person a link (30 days) to create an account or sign in and reach
    the company's portal. Sending again makes earlier links stop working."""
    user, firm = check_actor(company=company, by=by, client=client)
    member = member_of(company, member)
    if not member.is_active:
        raise ValidationError(_("Reactivate this person before inviting them to the portal."))
    if member.user_id:
        raise ValidationError(_("This person already has access to the portal."))
    member.portal_nonce = _new_nonce()
    member.portal_invited_at = timezone.now()
    member.portal_invited_by = user
    member.save(update_fields=["portal_nonce", "portal_invited_at", "portal_invited_by"])
    log_member(
        firm=firm, user=user, client=client, verb="client.member_portal_invited", member=member
    )
    language = language or (firm.language if firm else settings.LANGUAGE_CODE)
    pk = member.pk
    transaction.on_commit(
        lambda: tasks.send_portal_invitation_email.delay(pk, language), robust=True
    )
    return member


@transaction.atomic
def portal_invitation_accept(*, member: CompanyMember, user: User) -> CompanyMember:
    """Link the person's account to their place in the company's team."""
    member = CompanyMember.objects.select_for_update(of=("self",)).get(pk=member.pk)
    if not member.portal_nonce or member.user_id is not None or not member.is_active:
        raise LinkError(_("This invitation is no longer valid."))
    if user.email.lower() != member.email.lower():
        raise LinkError(_("This invitation is for another e-mail address."))
    if CompanyMember.objects.filter(company=member.company_id, user=user).exists():
        raise LinkError(_("You already have access to this company's portal."))
    member.user = user
    member.portal_nonce = ""
    member.save(update_fields=["user", "portal_nonce"])
    log_in_firms(
        company=member.company,
        by=user,
        verb="client.member_joined_portal",
        changes={"member": [None, f"{member.full_name} <{member.email}>"]},
    )
    if member.portal_invited_by_id:
        pk = member.pk
        transaction.on_commit(lambda: tasks.send_portal_accepted_email.delay(pk), robust=True)
    return member


@transaction.atomic
def portal_signup_accept(
    *, member: CompanyMember, password: str, full_name: str, language: str
) -> User:
    """Create the invited person's account and accept the invitation with it; a
    LinkError leaves no account behind."""
    user = account_create(
        email=member.email, password=password, full_name=full_name, language=language
    )
    portal_invitation_accept(member=member, user=user)
    return user
