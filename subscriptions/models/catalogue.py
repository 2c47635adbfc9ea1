"""The product catalogue: global data, edited in the admin (R14, R15)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from practice.models import Currency


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
