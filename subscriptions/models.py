"""The product catalogue (global data, edited in the admin) and the firm-owned
subscriptions, their billing periods, plan-change history and client usage."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from practice.models import Currency, TenantModel


class Feature(models.Model):
    """A capability a plan may include (multicurrency, inventory...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering = ["name"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("fr") and self.name_fr:
            return self.name_fr
        return self.name


class ProductKind(models.TextChoices):
    PLAN = "plan", _("Plan")
    ADDON = "addon", _("Add-on")


class ProductFamily(models.TextChoices):
    """R19 reasons about families: online plans move between tiers; Self-Employed
    never moves under wholesale; an online plan never moves to Ledger."""

    ONLINE = "online", _("Online plan")
    SELF_EMPLOYED = "self_employed", _("Self-Employed")
    LEDGER = "ledger", _("Ledger")
    ADDON = "addon", _("Add-on")


class Product(models.Model):
    """A plan or an add-on of the catalogue (R14)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices)
    family = models.CharField(_("family"), max_length=20, choices=ProductFamily.choices)
    tier = models.PositiveSmallIntegerField(
        _("tier"),
        null=True,
        blank=True,
        help_text=_("Order of plans for upgrades and downgrades: higher is more complete."),
    )
    user_limit = models.PositiveIntegerField(
        _("billable users included"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    features = models.ManyToManyField(Feature, blank=True, verbose_name=_("features"))
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["kind", "sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def is_plan(self) -> bool:
        return self.kind == ProductKind.PLAN


class Price(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("product")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    monthly_amount = models.DecimalField(
        _("monthly list price"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["product", "currency"], name="price_product_currency")
        ]

    def __str__(self):
        return f"{self.product} {self.monthly_amount} {self.currency}"


RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class DiscountPolicy(models.Model):
    """The discount terms (R15), one row. Each new subscription copies the rate
    it gets, so editing the terms never re-prices running subscriptions."""

    wholesale_rate = models.DecimalField(
        _("wholesale discount rate"),
        max_digits=5,
        decimal_places=4,
        validators=RATE_VALIDATORS,
        # Translators: help text, never %-formatted.
        # xgettext:no-python-format
        help_text=_("0.3000 means 30 % off the list price, for the life of the subscription."),
    )
    direct_rate = models.DecimalField(
        _("direct discount rate"), max_digits=5, decimal_places=4, validators=RATE_VALIDATORS
    )
    direct_months = models.PositiveSmallIntegerField(
        _("direct discount duration (months)"), default=12
    )

    class Meta:
        verbose_name = _("discount terms")
        verbose_name_plural = _("discount terms")

    def __str__(self):
        return str(_("Discount terms"))

    @classmethod
    def current(cls) -> "DiscountPolicy":
        policy = cls.objects.order_by("pk").first()
        if policy is None:
            policy = cls(
                wholesale_rate=Decimal("0.30"), direct_rate=Decimal("0.50"), direct_months=12
            )
        return policy


class Billing(models.TextChoices):
    """Who pays: for a plan, its billing arrangement; for an add-on, its payer."""

    WHOLESALE = "wholesale", _("Wholesale (the firm pays)")
    DIRECT = "direct", _("Direct (the client pays)")


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(TenantModel):
    """A client's plan, or an add-on attached to a plan (`parent`)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("client")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="addons",
        verbose_name=_("plan"),
    )
    billing = models.CharField(_("billing"), max_length=10, choices=Billing.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.PENDING,
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    discount_rate = models.DecimalField(
        _("discount rate"), max_digits=5, decimal_places=4, validators=RATE_VALIDATORS
    )
    discount_until = models.DateField(
        _("discount until"),
        null=True,
        blank=True,
        help_text=_("First day at the list price. Empty: the discount never ends."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["client_id", "parent_id", "pk"]
        indexes = [
            models.Index(fields=["firm", "billing", "status"], name="subscription_firm_billing"),
            models.Index(fields=["firm", "client"], name="subscription_firm_client"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "client"],
                condition=Q(parent__isnull=True) & ~Q(status="cancelled"),
                name="subscription_one_live_plan_per_client",
            )
        ]

    def __str__(self):
        return f"{self.client} · {self.product}"

    @property
    def is_addon(self) -> bool:
        return self.parent_id is not None

    @property
    def is_wholesale(self) -> bool:
        return self.billing == Billing.WHOLESALE

    @property
    def is_live(self) -> bool:
        return self.status != SubscriptionStatus.CANCELLED


class Payer(models.TextChoices):
    FIRM = "firm", _("Firm")
    CLIENT = "client", _("Client")


class ChargePeriod(TenantModel):
    """A stretch of days billed at one product, payer and discount. Changes close
    the open period and open a new one on the day they take effect; statements
    and the client's own charges are computed from these rows.

    The client and subscription keys are SET_NULL so a client deleted later still
    appears on the statement of a month it was billed in (`client_name`,
    `subscription_ref`)."""

    subscription = models.ForeignKey(
        Subscription, null=True, on_delete=models.SET_NULL, related_name="periods"
    )
    subscription_ref = models.BigIntegerField()
    client = models.ForeignKey(Client, null=True, on_delete=models.SET_NULL, related_name="+")
    client_name = models.CharField(max_length=200)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    payer = models.CharField(max_length=10, choices=Payer.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    discount_rate = models.DecimalField(max_digits=5, decimal_places=4)
    discount_until = models.DateField(null=True, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text=_("Exclusive."))

    class Meta:
        verbose_name = _("charge period")
        verbose_name_plural = _("charge periods")
        ordering = ["subscription_ref", "starts_on"]
        indexes = [
            models.Index(fields=["firm", "payer", "starts_on"], name="chargeperiod_firm_payer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="chargeperiod_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.client_name} · {self.product} {self.starts_on}–{self.ends_on or '…'}"


class ChangeKind(models.TextChoices):
    UPGRADE = "upgrade", _("Upgrade")
    DOWNGRADE = "downgrade", _("Downgrade")


class PlanChange(TenantModel):
    """History of plan changes: from, to, when and by whom."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="plan_changes"
    )
    kind = models.CharField(_("change"), max_length=10, choices=ChangeKind.choices)
    from_product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    effective_on = models.DateField(_("effective on"))
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.from_product} → {self.to_product}"


class ClientUsage(TenantModel):
    """What the client uses, as recorded by the firm: downgrades are checked
    against it (R18)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="usage_records")
    users = models.PositiveIntegerField(_("billable users"), default=1)
    features = models.ManyToManyField(Feature, blank=True, verbose_name=_("features in use"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client usage")
        verbose_name_plural = _("client usage")
        constraints = [
            models.UniqueConstraint(fields=["firm", "client"], name="client_usage_one_per_client")
        ]

    def __str__(self):
        return f"{self.client}: {self.users}"


# Apps for clients (R23, R24) ------------------------------------------------


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

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="app_setups", verbose_name=_("client")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("app")
    )
    subscription = models.ForeignKey(
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

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="time_accounts", verbose_name=_("client")
    )
    setup = models.OneToOneField(
        AppSetup, on_delete=models.CASCADE, related_name="time_account", verbose_name=_("setup")
    )
    pro_account = models.ForeignKey(
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
        ]

    def __str__(self):
        return self.account_id


class TimeAccountAccountant(TenantModel):
    """One of the firm's accountants connected to a client's Time account
    (at most two per account, enforced by the service)."""

    time_account = models.ForeignKey(
        TimeAccount, on_delete=models.CASCADE, related_name="accountants"
    )
    membership = models.ForeignKey(
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

    time_account = models.ForeignKey(
        TimeAccount, on_delete=models.CASCADE, related_name="employees"
    )
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
