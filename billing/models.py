"""Monthly wholesale statements (R21). Issued statements never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from practice.distribution import TenantForeignKey
from practice.models import Currency, TenantModel


class ImmutableError(Exception):
    pass


class Statement(TenantModel):
    """What the firm pays for one calendar month. Created complete, in one
    transaction, and never changed afterwards."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    # What changed since the previous month, as issued (billing.summary).
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "month"], name="statement_one_per_firm_month")
        ]

    def __str__(self):
        return f"{self.firm} {self.month:%Y-%m}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("An issued statement can't be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("An issued statement can't be deleted.")


class StatementLine(TenantModel):
    """One subscription the firm paid during the month. The client's name is kept
    on the line, so the statement still reads after the client is deleted."""

    # A statement writes up to 100,000 lines at once, in the transaction that
    # creates the statement, and never changes them: no per-line check that the
    # firm and the statement exist (each would cost a trigger call at commit, a
    # third of the statement's time); the statement row is checked once, and
    # carries the firm. No index on the statement alone: stmtline_stmt_name
    # starts with it. Deletions cascade through the ORM (statements refuse them).
    # The client is not checked either (its check was a fifth of the statement's
    # time): the lines are built from the firm's own subscriptions, and deleting a
    # client clears its lines' key through the ORM (SET_NULL), by the index below.
    firm = models.ForeignKey(
        "practice.Firm",
        on_delete=models.CASCADE,
        verbose_name=_("firm"),
        db_constraint=False,
        db_index=False,
    )
    statement = models.ForeignKey(
        Statement,
        on_delete=models.CASCADE,
        related_name="lines",
        db_constraint=False,
        db_index=False,
    )
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    client_name = models.CharField(_("client"), max_length=200)
    client_number = models.CharField(_("client number"), max_length=100, blank=True)
    company_id = models.CharField(_("company ID"), max_length=20, blank=True)
    subscription_ref = models.BigIntegerField()
    product_label = models.CharField(_("product"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    monthly_list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    days = models.PositiveSmallIntegerField(_("days billed"))
    days_in_month = models.PositiveSmallIntegerField(_("days in month"))
    list_amount = models.DecimalField(_("list amount"), max_digits=12, decimal_places=2)
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2)
    net_amount = models.DecimalField(_("net"), max_digits=12, decimal_places=2)
    # The line's parts (billing.parts.Part.as_json), adding up to the line.
    detail = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["client_name", "subscription_ref"]
        indexes = [models.Index(fields=["statement", "client_name"], name="stmtline_stmt_name")]

    def __str__(self):
        return f"{self.client_name} · {self.product_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("An issued statement can't be changed.")
        super().save(*args, **kwargs)


class StatementTotal(TenantModel):
    statement = TenantForeignKey(Statement, on_delete=models.CASCADE, related_name="totals")
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    list_amount = models.DecimalField(_("list amount"), max_digits=14, decimal_places=2)
    discount_amount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2)
    net_amount = models.DecimalField(_("net"), max_digits=14, decimal_places=2)
    line_count = models.PositiveIntegerField(_("lines"))

    class Meta:
        verbose_name = _("statement total")
        verbose_name_plural = _("statement totals")
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "statement", "currency"], name="statement_total_per_currency"
            )
        ]

    def __str__(self):
        return f"{self.net_amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("An issued statement can't be changed.")
        super().save(*args, **kwargs)


class StatementPdf(TenantModel):
    """The PDF of an issued statement in one language, rendered once and kept, so
    the document a firm files never changes."""

    statement = TenantForeignKey(Statement, on_delete=models.CASCADE, related_name="pdfs")
    language = models.CharField(max_length=10)
    content = models.BinaryField(null=True, editable=False)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("statement PDF")
        verbose_name_plural = _("statement PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "statement", "language"], name="statement_pdf_per_language"
            )
        ]

    def __str__(self):
        return f"{self.statement} ({self.language})"
