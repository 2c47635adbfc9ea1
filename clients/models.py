import datetime
import secrets
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.distribution import TenantForeignKey
from practice.models import Firm, Membership, TenantModel

CLIENT_NUMBER_MAX_LENGTH = 100


def normalize_search(value: str) -> str:
    """Lower-case, accent-free form used for case- and accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def new_company_id() -> str:
    """A 16-digit identifier, generated once per client and never edited (R7).

    Unique within the firm, which the database enforces as (firm, company ID): that
    is where it is read (the export, and the import's key, where another firm's ID
    is unknown too, R26), and a client moving to another firm gets a new one there.
    It is not kept unique across firms: nothing looks it up across firms, and a
    database sharded by firm only enforces keys that contain the firm."""
    return "9" + "".join(secrets.choice("0123456789") for _ in range(15))


class ClientType(models.TextChoices):
    BUSINESS = "business", _("Business")
    INDIVIDUAL = "individual", _("Individual")


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class TaxPreparationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CLIENT = "waiting_on_client", _("Waiting on client")
    READY_FOR_REVIEW = "ready_for_review", _("Ready for review")
    COMPLETED = "completed", _("Completed")


class TaxReturnStatus(models.TextChoices):
    NOT_FILED = "not_filed", _("Not filed")
    FILED = "filed", _("Filed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    AMENDED = "amended", _("Amended")


class BillingChoice(models.TextChoices):
    """The subscription choice made when the client is added (R4, R5)."""

    WHOLESALE = "wholesale", _("Wholesale discount (the firm pays)")
    DIRECT = "direct", _("Direct discount (the client pays)")
    NONE = "none", _("No subscription")


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


class BinaryCharField(models.CharField):
    """A CharField compared byte by byte: collation "C" on PostgreSQL, which is
    how SQLite always compares text. Codes and the folded search name need no
    linguistic order, and byte comparisons make every index on them cheaper to
    search and to keep up (a prefix LIKE then uses a plain btree index too)."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = "C"
        return params


class Client(TenantModel):
    # Each of the indexes below leads with firm_id (or a key that belongs to one
    # firm), so the foreign keys carry no index of their own.
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, verbose_name=_("firm"), db_index=False)
    # The client's own company account (named so as not to clash with company_id, R7).
    company_account = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="firm_clients",
        verbose_name=_("client company"),
        db_index=False,
    )
    client_type = models.CharField(_("client type"), max_length=12, choices=ClientType.choices)
    display_name = models.CharField(_("display name"), max_length=200)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    company_id = BinaryCharField(
        _("company ID"), max_length=20, default=new_company_id, editable=False
    )
    client_number = BinaryCharField(
        _("client number"), max_length=CLIENT_NUMBER_MAX_LENGTH, null=True, blank=True
    )
    lead_accountant = TenantForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_clients",
        verbose_name=_("lead accountant"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    firm_is_primary_admin = models.BooleanField(
        _("firm is the client's primary admin"), default=False
    )
    # Set when the client transferred in within 60 days of leaving another firm's
    # wholesale billing: until this day (inclusive) the firm may enrol it in
    # wholesale and keep the discount (R5, R22).
    wholesale_offer_until = models.DateField(
        _("wholesale offer until"), null=True, blank=True, editable=False
    )
    tax_preparation_status = models.CharField(
        _("tax preparation"),
        max_length=20,
        choices=TaxPreparationStatus.choices,
        default=TaxPreparationStatus.NOT_STARTED,
    )
    tax_return_status = models.CharField(
        _("tax return"),
        max_length=20,
        choices=TaxReturnStatus.choices,
        default=TaxReturnStatus.NOT_FILED,
    )
    initial_billing = models.CharField(
        _("subscription chosen at creation"),
        max_length=10,
        choices=BillingChoice.choices,
        default=BillingChoice.NONE,
        editable=False,
    )
    initial_plan_code = models.CharField(max_length=40, blank=True, editable=False)
    # Kept up to date by subscriptions.services so the list can show, sort and
    # filter them at 100,000 clients without joins.
    billing = models.CharField(
        _("billing"),
        max_length=10,
        choices=BillingChoice.choices,
        default=BillingChoice.NONE,
        editable=False,
    )
    products_summary = models.CharField(_("products"), max_length=200, blank=True, editable=False)
    search_name = BinaryCharField(max_length=400, editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        # Few indexes, because a client-number import rewrites every row it
        # touches in each of them. The list pages by keyset on (sort column, id):
        # - by name: (firm, search_name, id), the status filter read on the way
        #   (most clients are active; PostgreSQL keeps the status in it, 0013);
        # - by number: the per-firm unique index for the numbered clients, then
        #   (firm, id) for the few without a number;
        # - by lead accountant: (lead, firm, ...), which also serves the foreign key;
        #   the firm in it spares a scan of all the firm's clients to check it.
        # PostgreSQL-only indexes (trigram name search) live in migration 0003.
        indexes = [
            models.Index(fields=["firm", "search_name", "id"], name="client_firm_name"),
            models.Index(
                fields=["firm", "id"],
                condition=Q(client_number__isnull=True),
                name="client_firm_without_number",
            ),
            models.Index(
                fields=["lead_accountant", "firm", "status", "search_name", "id"],
                name="client_lead_firm_status_name",
            ),
            models.Index(
                fields=["company_account"],
                condition=Q(company_account__isnull=False),
                name="client_company_account",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "company_id"], name="client_company_id_unique_per_firm"
            ),
            models.UniqueConstraint(
                fields=["firm", "client_number"],
                condition=Q(client_number__isnull=False),
                name="client_number_unique_per_firm",
            ),
            models.CheckConstraint(
                condition=~Q(client_number=""), name="client_number_null_not_empty"
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        if self.client_number is not None:
            self.client_number = self.client_number.strip() or None
        # Cut to the column's size: the names together can exceed it.
        self.search_name = normalize_search(
            " ".join(
                filter(
                    None, [self.display_name, self.company_name, self.first_name, self.last_name]
                )
            )
        )[: self._meta.get_field("search_name").max_length]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {
            "display_name",
            "company_name",
            "first_name",
            "last_name",
        } & set(update_fields):
            kwargs["update_fields"] = set(update_fields) | {"search_name"}
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status == ClientStatus.ACTIVE


class ClientListPreference(TenantModel):
    """One member's client-list layout in one firm: which columns show, in order."""

    membership = TenantForeignKey(
        Membership, on_delete=models.CASCADE, related_name="client_list_preferences"
    )
    columns = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client list preference")
        verbose_name_plural = _("client list preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "membership"], name="client_list_preference_one_per_member"
            )
        ]

    def __str__(self):
        return f"{self.membership_id}: {', '.join(self.columns)}"


class ClientAssignment(TenantModel):
    """A member placed on a client's firm team (R30). A restricted member reaches
    the clients they lead and those they are assigned to; a grant with an end
    date stops giving access after that day, by itself.

    `client_active` repeats whether the client is active, so that counting the
    active clients a restricted member reaches reads this table alone (one index,
    no lookup per client). It is set when the grant is made, under a lock on the
    client, and changed with the client's status by `client_set_status`, the one
    place a status changes."""

    client = TenantForeignKey(
        Client, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    client_active = models.BooleanField(default=True, editable=False)
    membership = TenantForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="client_assignments",
        db_index=False,
        verbose_name=_("team member"),
    )
    ends_on = models.DateField(_("until"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("client assignment")
        verbose_name_plural = _("client assignments")
        constraints = [
            # Also the lookup of "may this member reach this client" (membership first).
            models.UniqueConstraint(
                fields=["firm", "membership", "client"], name="client_assignment_unique"
            )
        ]
        indexes = [
            models.Index(fields=["firm", "client"], name="client_assignment_client"),
            # The count of a restricted member's clients: an index-only scan.
            models.Index(
                fields=["firm", "membership", "client_active", "client", "ends_on"],
                name="client_assignment_reach",
            ),
        ]

    def __str__(self):
        return f"{self.membership_id} → {self.client_id}"
