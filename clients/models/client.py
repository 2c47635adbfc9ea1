"""The firm's clients (R6-R10) and what belongs to each: list layouts, team grants."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from clients.models.companies import Company
from clients.models.naming import SEARCH_NAME_MAX_LENGTH, SEARCHED_NAMES, search_key
from clients.models.numbering import BinaryCharField, ClientManager, NumberedClient
from practice.distribution import TenantForeignKey
from practice.models import Firm, Membership, TenantModel


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


class Client(NumberedClient, TenantModel):
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
    # The client's number row (clients.models.numbering), joined on firm and
    # client: read through `client_number`.
    number_row = models.ForeignObject(
        "clients.ClientNumber",
        on_delete=models.DO_NOTHING,
        from_fields=["firm", "id"],
        to_fields=["firm", "client"],
        null=True,
        related_name="+",
        editable=False,
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
    search_name = BinaryCharField(max_length=SEARCH_NAME_MAX_LENGTH, editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        # The list pages by keyset on (sort column, id):
        # - by name: (firm, search_name, id), the status filter read on the way
        #   (most clients are active; PostgreSQL keeps the status in it, 0013);
        # - by number: the indexes of the number's own table (numbering);
        # - by lead accountant: (lead, firm, ...), which also serves the foreign key;
        #   the firm in it spares a scan of all the firm's clients to check it.
        # PostgreSQL-only indexes (trigram name search) live in migration 0003.
        indexes = [
            # Status and lead accountant beside the name: the ids of a restricted
            # member's page are read from the index alone (clients.paging.read_rows).
            models.Index(
                fields=["firm", "search_name", "id"],
                name="client_firm_name",
                include=["status", "lead_accountant"],
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
        ]

    def __str__(self):
        return self.display_name

    objects = ScopedManager(ClientManager, firm="firm")

    def save(self, *args, **kwargs):
        number = self.__dict__.get("_number", {}).get("client_number")
        if number is not None:
            self.client_number = number.strip() or None
        adding = self._state.adding
        self.set_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(SEARCHED_NAMES) & set(update_fields):
            kwargs["update_fields"] = set(update_fields) | {"search_name"}
        if update_fields is not None and "client_number" in update_fields:
            kwargs["update_fields"] = set(kwargs["update_fields"]) - {"client_number"}
        elif update_fields is not None:
            # Only the fields named are saved: not the number.
            super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)
        self.number_write(adding=adding)

    @property
    def is_active(self) -> bool:
        return self.status == ClientStatus.ACTIVE

    def set_search_name(self) -> None:
        """The name searches and the list's name order read (search_key)."""
        self.search_name = search_key(*(getattr(self, name) for name in SEARCHED_NAMES))


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
