"""The product catalogue: global data, edited in the admin (R14, R15).

Prices and discount terms have effective dates (R37): a change is a new row from
a future date, and the rows already in force are never edited, so every past day
keeps the price and terms it was billed at."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from practice import clock
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


# The effective date of the catalogue's first prices and terms: in force "always".
CATALOGUE_START = datetime.date(2000, 1, 1)


class Price(models.Model):
    """A monthly list price of a product in one currency, from `effective_from`
    until the next row of the same product and currency (R37)."""

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
    effective_from = models.DateField(
        _("effective from"),
        default=CATALOGUE_START,
        help_text=_("First day billed at this price."),
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["product", "currency", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "currency", "effective_from"], name="price_product_currency_from"
            )
        ]

    def __str__(self):
        return f"{self.product} {self.monthly_amount} {self.currency} ({self.effective_from})"

    @property
    def is_in_force(self) -> bool:
        """In force (or past): no longer editable, so billed days never change."""
        return self.pk is not None and self.effective_from <= clock.today()

    def clean(self):
        first = (
            not Price.objects.filter(product_id=self.product_id, currency=self.currency)
            .exclude(pk=self.pk)
            .exists()
        )
        check_schedulable(self, first=first)


RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


def check_schedulable(row, *, first: bool) -> None:
    """R37: a price or terms row in force is never edited, and a change is dated
    after today (a product's first price in a currency, or the first terms, may
    have any date)."""
    if row.pk is not None:
        stored = type(row).objects.filter(pk=row.pk).values_list("effective_from", flat=True)
        if stored and stored[0] <= clock.today():
            raise ValidationError(
                _("This row is in force: schedule a new one from a future date instead.")
            )
    if not first and row.effective_from <= clock.today():
        raise ValidationError(
            {
                "effective_from": _(
                    "A change takes effect from a future date (tomorrow at the earliest)."
                )
            }
        )


class DiscountPolicy(models.Model):
    """The discount terms (R15) from `effective_from` until the next row (R37).

    A new subscription takes the rate of the terms in force on the day it starts.
    A later row re-prices, from its effective date, the running subscriptions whose
    rate was set before that date (subscriptions.schedule); a subscription that
    brought its rate from another firm (R38) keeps it across the rows dated before
    it arrived."""

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
    effective_from = models.DateField(_("effective from"), default=CATALOGUE_START, unique=True)

    class Meta:
        verbose_name = _("discount terms")
        verbose_name_plural = _("discount terms")
        ordering = ["effective_from"]

    def __str__(self):
        return _("Discount terms from %(date)s") % {"date": self.effective_from.isoformat()}

    @property
    def is_in_force(self) -> bool:
        return self.pk is not None and self.effective_from <= clock.today()

    def clean(self):
        check_schedulable(self, first=not DiscountPolicy.objects.exclude(pk=self.pk).exists())

    @classmethod
    def current(cls) -> "DiscountPolicy":
        return cls.on(clock.today())

    @classmethod
    def on(cls, day: datetime.date) -> "DiscountPolicy":
        """The terms in force on `day`."""
        policy = cls.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
        if policy is None:
            policy = cls.objects.order_by("effective_from").first()
        if policy is None:
            policy = cls(
                wholesale_rate=Decimal("0.30"), direct_rate=Decimal("0.50"), direct_months=12
            )
        return policy
