"""The client companies and their people (the client portal), and the invitations
between firms and companies."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    """The client's own company account: not owned by any firm. Each firm it works
    with has its own Client row pointing here (at most two at once, R22). The
    company's people (CompanyMember) sign in to the client portal."""

    name = models.CharField(_("company name"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Billing details entered by the company when it pays its own subscriptions.
    billing_contact = models.CharField(_("billing contact"), max_length=150, blank=True)
    billing_email = models.EmailField(_("billing e-mail"), blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    payment_method = models.CharField(_("payment method on file"), max_length=100, blank=True)
    # When the company last left a firm's wholesale billing, and which firm: another
    # firm that connects within 60 days keeps the wholesale discount (R22).
    wholesale_left_at = models.DateTimeField(null=True, blank=True)
    wholesale_left_firm = models.ForeignKey(
        "practice.Firm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The discount rate its plan had on the last day that firm paid it (R38).
    wholesale_left_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    two_step_required_from = models.DateField(
        _("two-step verification required from"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("client company")
        verbose_name_plural = _("client companies")

    def __str__(self):
        return self.name


class CompanyRole(models.TextChoices):
    PRIMARY_ADMIN = "primary_admin", _("Primary admin")
    ADMIN = "admin", _("Admin")
    STANDARD = "standard", _("Standard")
    TIME_TRACKING = "time_tracking", _("Time tracking only")


class CompanyMember(models.Model):
    """A person of the client company (its own team, not the firm's). `user` is
    set once they have an account for the client portal."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="company_memberships",
    )
    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=20, choices=CompanyRole.choices, default=CompanyRole.STANDARD
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    # Portal access: the e-mailed link is signed and carries `portal_nonce`;
    # sending a new link rotates it so older links stop working.
    portal_nonce = models.CharField(max_length=40, blank=True)
    portal_invited_at = models.DateTimeField(_("portal invitation sent"), null=True, blank=True)
    portal_invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("client team member")
        verbose_name_plural = _("client team members")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(
                "company", models.functions.Lower("email"), name="company_member_email_unique"
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(role="primary_admin"),
                name="company_one_primary_admin",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role in (CompanyRole.PRIMARY_ADMIN, CompanyRole.ADMIN)

    @property
    def is_primary_admin(self) -> bool:
        return self.role == CompanyRole.PRIMARY_ADMIN

    @property
    def portal_invitation_pending(self) -> bool:
        return self.user_id is None and bool(self.portal_nonce)


class AccountantInvitationKind(models.TextChoices):
    ADD = "add", _("Add an accountant")
    TRANSFER = "transfer", _("Transfer to a new accountant")


class AccountantInvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Withdrawn")


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


class AccountantInvitation(models.Model):
    """A client company invites an accountant by e-mail (R22). The link is signed,
    carries `nonce` and works for 30 days from `sent_at`; sending it again rotates
    the nonce. "transfer" moves the company away from `from_firm` on acceptance."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="accountant_invitations"
    )
    email = models.EmailField(_("accountant's e-mail"))
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=AccountantInvitationKind.choices,
        default=AccountantInvitationKind.ADD,
    )
    from_firm = models.ForeignKey(
        "practice.Firm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("current firm"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AccountantInvitationStatus.choices,
        default=AccountantInvitationStatus.PENDING,
    )
    nonce = models.CharField(max_length=40, default=_new_nonce)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_firm = models.ForeignKey(
        "practice.Firm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by firm"),
    )

    class Meta:
        verbose_name = _("accountant invitation")
        verbose_name_plural = _("accountant invitations")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "company",
                models.functions.Lower("email"),
                condition=Q(status="pending"),
                name="accountant_invitation_one_pending_per_email",
            ),
        ]

    def __str__(self):
        return self.email

    @property
    def expires_at(self):
        return self.sent_at + datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_transfer(self) -> bool:
        return self.kind == AccountantInvitationKind.TRANSFER
