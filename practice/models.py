import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from practice.validators import validate_not_card_number


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. The e-mail address is the identifier."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]


class Country(models.TextChoices):
    FRANCE = "FR", _("France")
    BELGIUM = "BE", _("Belgium")
    SWITZERLAND = "CH", _("Switzerland")
    LUXEMBOURG = "LU", _("Luxembourg")
    CANADA = "CA", _("Canada")
    UNITED_STATES = "US", _("United States")
    UNITED_KINGDOM = "GB", _("United Kingdom")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (EUR)")
    CAD = "CAD", _("Canadian dollar (CAD)")
    USD = "USD", _("US dollar (USD)")


class Firm(models.Model):
    """An accounting firm: the tenant. Everything it owns carries a `firm` key."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    billing_assigned_only = models.BooleanField(
        _("admins see only their clients on the billing tab"),
        default=False,
        help_text=_(
            "Admins other than the primary admin see, on Subscriptions & billing, only "
            "the clients they lead or are assigned to."
        ),
    )
    two_step_required_from = models.DateField(
        _("two-step verification required from"),
        null=True,
        blank=True,
        help_text=_(
            "From this day, members without two-step verification are taken to set it "
            "up and reach no page of the firm until they have."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TenantModel(models.Model):
    """Base for every firm-owned table: a direct firm key and a scoped manager
    that refuses to query outside `django_scopes.scope(firm=...)`."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, verbose_name=_("firm"))

    objects = ScopedManager(firm="firm")

    class Meta:
        abstract = True


class Role(models.TextChoices):
    PRIMARY_ADMIN = "primary_admin", _("Primary admin")
    ADMIN = "admin", _("Admin")
    STANDARD = "standard", _("Standard")


class ClientAccess(models.TextChoices):
    """Which clients a standard member reaches (R30). Admins always reach all."""

    ALL = "all", _("All clients")
    ASSIGNED = "assigned", _("Assigned clients only")


class Membership(TenantModel):
    """A person's place in a firm's team. Never deleted; deactivated instead."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STANDARD)
    client_access = models.CharField(
        _("client access"), max_length=10, choices=ClientAccess.choices, default=ClientAccess.ALL
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)

    objects = ScopedManager(firm="firm")
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "user"], name="membership_firm_user_unique"),
            models.UniqueConstraint(
                fields=["firm"],
                condition=Q(role="primary_admin"),
                name="membership_one_primary_admin_per_firm",
            ),
            models.CheckConstraint(
                condition=~Q(role="primary_admin", is_active=False),
                name="membership_primary_admin_is_active",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.firm}"

    @property
    def is_primary_admin(self) -> bool:
        return self.role == Role.PRIMARY_ADMIN

    @property
    def is_admin(self) -> bool:
        """Primary admins and admins manage the team and billing (R2)."""
        return self.role in (Role.PRIMARY_ADMIN, Role.ADMIN)

    @property
    def reaches_all_clients(self) -> bool:
        """Admins always reach every client; a standard member unless restricted (R30)."""
        return self.is_admin or self.client_access != ClientAccess.ASSIGNED


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(TenantModel):
    """An invitation to join a firm's team. The e-mailed link is signed and
    carries `nonce`; re-sending rotates the nonce so older links stop working."""

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STANDARD)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    nonce = models.CharField(max_length=40, default=new_nonce)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager(firm="firm")
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                "firm",
                Lower("email"),
                condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=~Q(role="primary_admin"), name="invitation_not_primary_admin"
            ),
        ]

    def __str__(self):
        return self.email

    @property
    def expires_at(self):
        return self.sent_at + timezone.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class BillingProfile(TenantModel):
    """The firm's billing details (R3). Upgrades need it complete. The payment
    method is a label or a reference; a card number is refused by the form."""

    contact_name = models.CharField(_("billing contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("billing e-mail"), blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, blank=True)
    payment_method = models.CharField(
        _("payment method on file"),
        max_length=100,
        blank=True,
        validators=[validate_not_card_number],
        help_text=_(
            "A label or reference, such as “SEPA mandate RUM-2024-118” or “Visa ending 4242”."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    REQUIRED_FIELDS = (
        "contact_name",
        "contact_email",
        "address_line1",
        "postal_code",
        "city",
        "country",
        "payment_method",
    )

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")
        constraints = [
            models.UniqueConstraint(fields=["firm"], name="billing_profile_one_per_firm")
        ]

    def __str__(self):
        return f"{self.firm}"

    @property
    def missing_fields(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED_FIELDS
            if not getattr(self, name)
        ]

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields


class ActivityEvent(TenantModel):
    """One entry of the firm's activity log: who did what, to what, and when.

    `target_label` keeps the object's name so the log still reads after the
    object is deleted; `changes` holds {"field": [before, after]} for edits."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    verb = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activity")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["firm", "-created_at"], name="activity_firm_created"),
            models.Index(fields=["firm", "target_type", "target_id"], name="activity_firm_target"),
            models.Index(fields=["firm", "actor", "-created_at"], name="activity_firm_actor"),
        ]

    def __str__(self):
        return f"{self.verb} {self.target_label}"


class FormSubmission(models.Model):
    """A create form's one-time token, claimed in the transaction that creates the
    object: the same form sent again (a double click) leads to that object instead
    of creating a second one. Kept a day (practice.submissions)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_once")
        ]

    def __str__(self):
        return self.token


class SecurityEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGNED_OUT = "signed_out", _("Signed out")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset by e-mail")
    FACTOR_ADDED = "factor_added", _("Two-step verification method added")
    FACTOR_REMOVED = "factor_removed", _("Two-step verification method removed")
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("New recovery codes generated")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    SECOND_STEP_FAILED = "second_step_failed", _("Wrong two-step verification code")


class SecurityEvent(models.Model):
    """One entry of a person's security history (R33): sign-ins, failures, and
    changes to how they sign in. Not a firm's record: a person sees their own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="security_events",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("event"), max_length=40, choices=SecurityEventKind.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="security_user_created")]

    def __str__(self):
        return f"{self.user} {self.kind}"
