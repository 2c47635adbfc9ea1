"""Apps for clients (R23, R24): an app's setup for a client, the firm's Time pro
account and the clients' Time accounts with their accountants and employees."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from practice.distribution import TenantForeignKey, TenantOneToOneField
from practice.models import TenantModel
from subscriptions.models.catalogue import Product
from subscriptions.models.subscription import Subscription


class SetupStep(models.TextChoices):
    ACCOUNT = "account", _("Accounts")
    PAYROLL = "payroll", _("Payroll settings")
    TRACK = "track", _("What to track")
    ADMIN = "admin", _("Account admin")
    DONE = "done", _("Done")


class SetupStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("Setup in progress")
    INVITED = "invited", _("Invitation sent")
    ACTIVE = "active", _("Active")


class ImportStatus(models.TextChoices):
    NONE = "", _("Nothing to import")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")


class AppSetup(TenantModel):
    """An app installed for a client and the state of its setup wizard: `step` is
    the furthest step reached, `data` holds what each step saved, so a half-done
    setup resumes where it stopped and earlier steps can be revisited."""

    client = TenantForeignKey(
        Client, on_delete=models.CASCADE, related_name="app_setups", verbose_name=_("client")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("app")
    )
    subscription = TenantForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="app_setups",
        verbose_name=_("add-on subscription"),
    )
    step = models.CharField(_("step"), max_length=10, choices=SetupStep.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=SetupStatus.choices, default=SetupStatus.IN_PROGRESS
    )
    data = models.JSONField(default=dict, blank=True)
    import_status = models.CharField(
        _("import"), max_length=10, choices=ImportStatus.choices, default="", blank=True
    )
    import_total = models.PositiveIntegerField(default=0)
    import_done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("app setup")
        verbose_name_plural = _("app setups")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "client", "product"], name="app_setup_one_per_client_app"
            )
        ]
        indexes = [models.Index(fields=["firm", "status", "-updated_at"], name="app_setup_firm")]

    def __str__(self):
        return f"{self.product} · {self.client}"

    @property
    def is_time(self) -> bool:
        return self.product.code == "time"

    @property
    def steps(self) -> list[str]:
        if self.is_time:
            return [SetupStep.ACCOUNT, SetupStep.PAYROLL, SetupStep.TRACK, SetupStep.ADMIN]
        return [SetupStep.PAYROLL]

    @property
    def import_percent(self) -> int:
        if not self.import_total:
            return 100 if self.import_status == ImportStatus.DONE else 0
        return min(100, self.import_done * 100 // self.import_total)


class TimeProAccount(TenantModel):
    """The firm's own Time pro account, registered once per firm."""

    account_name = models.CharField(_("account name"), max_length=120)
    account_id = models.CharField(_("pro account ID"), max_length=20)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("Time pro account")
        verbose_name_plural = _("Time pro accounts")
        constraints = [
            models.UniqueConstraint(fields=["firm"], name="time_pro_account_one_per_firm")
        ]

    def __str__(self):
        return f"{self.account_name} ({self.account_id})"


class TimeAccountOrigin(models.TextChoices):
    NEW = "new", _("Created for the client")
    LINKED = "linked", _("Existing account, linked")


class TimeAccount(TenantModel):
    """A client's Time account as connected by the firm, with its admin and the
    admin's invitation. One account is never linked to two clients."""

    client = TenantForeignKey(
        Client, on_delete=models.CASCADE, related_name="time_accounts", verbose_name=_("client")
    )
    setup = TenantOneToOneField(
        AppSetup, on_delete=models.CASCADE, related_name="time_account", verbose_name=_("setup")
    )
    pro_account = TenantForeignKey(
        TimeProAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    account_id = models.CharField(_("Time account ID"), max_length=20)
    origin = models.CharField(_("origin"), max_length=10, choices=TimeAccountOrigin.choices)
    admin = models.ForeignKey(
        "clients.CompanyMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account admin"),
    )
    admin_permissions = models.JSONField(default=list, blank=True)
    invitation_nonce = models.CharField(max_length=40, blank=True)
    invitation_sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    created_at = models.DateTimeField(_("connected"), auto_now_add=True)

    class Meta:
        verbose_name = _("Time account")
        verbose_name_plural = _("Time accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "account_id"], name="time_account_linked_to_one_client"
            ),
            models.UniqueConstraint(fields=["firm", "client"], name="time_account_one_per_client"),
            models.UniqueConstraint(fields=["firm", "setup"], name="time_account_one_per_setup"),
        ]

    def __str__(self):
        return self.account_id


class TimeAccountAccountant(TenantModel):
    """One of the firm's accountants connected to a client's Time account
    (at most two per account, enforced by the service)."""

    time_account = TenantForeignKey(
        TimeAccount, on_delete=models.CASCADE, related_name="accountants"
    )
    membership = TenantForeignKey(
        "practice.Membership",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("accountant"),
    )
    connected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("connected accountant")
        verbose_name_plural = _("connected accountants")
        ordering = ["connected_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "time_account", "membership"], name="time_accountant_once"
            )
        ]

    def __str__(self):
        return f"{self.membership} · {self.time_account}"


class TimeEmployee(TenantModel):
    """A client team member imported into the client's Time account as an employee."""

    time_account = TenantForeignKey(TimeAccount, on_delete=models.CASCADE, related_name="employees")
    member = models.ForeignKey("clients.CompanyMember", on_delete=models.CASCADE, related_name="+")
    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("Time employee")
        verbose_name_plural = _("Time employees")
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "time_account", "member"], name="time_employee_once"
            )
        ]

    def __str__(self):
        return self.full_name
