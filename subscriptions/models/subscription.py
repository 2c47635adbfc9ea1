"""The firm-owned subscriptions, their billing periods, plan-change history and
client usage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from practice.distribution import TenantForeignKey
from practice.models import Currency, TenantModel
from subscriptions.models.catalogue import RATE_VALIDATORS, Feature, Product


class Billing(models.TextChoices):
    """Who pays: for a plan, its billing arrangement; for an add-on, its payer."""

    WHOLESALE = "wholesale", _("Wholesale (the firm pays)")
    DIRECT = "direct", _("Direct (the client pays)")


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


# A subscription that has not been cancelled.
LIVE = (SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE)


class Subscription(TenantModel):
    """A client's plan, or an add-on attached to a plan (`parent`)."""

    client = TenantForeignKey(
        Client, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("client")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    parent = TenantForeignKey(
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
    # The day the discount rate was set (start, change of billing, or arrival with
    # a kept rate, R38): discount terms dated after it re-price the subscription
    # from their date (subscriptions.schedule). Empty: set before any dated terms.
    rate_since = models.DateField(_("rate set on"), null=True, blank=True)
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

    subscription = TenantForeignKey(
        Subscription, null=True, on_delete=models.SET_NULL, related_name="periods"
    )
    subscription_ref = models.BigIntegerField()
    client = TenantForeignKey(Client, null=True, on_delete=models.SET_NULL, related_name="+")
    client_name = models.CharField(max_length=200)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    payer = models.CharField(max_length=10, choices=Payer.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    discount_rate = models.DecimalField(max_digits=5, decimal_places=4)
    discount_until = models.DateField(null=True, blank=True)
    rate_since = models.DateField(null=True, blank=True)
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

    subscription = TenantForeignKey(
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

    client = TenantForeignKey(Client, on_delete=models.CASCADE, related_name="usage_records")
    users = models.PositiveIntegerField(_("billable users"), default=1)
    features = models.ManyToManyField(
        Feature, blank=True, through="ClientUsageFeature", verbose_name=_("features in use")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client usage")
        verbose_name_plural = _("client usage")
        constraints = [
            models.UniqueConstraint(fields=["firm", "client"], name="client_usage_one_per_client")
        ]

    def __str__(self):
        return f"{self.client}: {self.users}"


class ClientUsageFeature(TenantModel):
    """A feature in use by a client (a row of ClientUsage.features): a firm table
    like the usage it belongs to, so that both can be sharded by firm."""

    usage = TenantForeignKey(ClientUsage, on_delete=models.CASCADE, related_name="+")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("feature in use")
        verbose_name_plural = _("features in use")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "usage", "feature"], name="client_usage_feature_once"
            )
        ]

    def __str__(self):
        return f"{self.usage_id}: {self.feature_id}"
