"""Webhook endpoints a firm registers, the events it produces and their deliveries."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.distribution import TenantForeignKey
from practice.models import Firm, TenantModel


class EventType(models.TextChoices):
    CLIENT_CREATED = "client.created", _("Client added")
    CLIENT_UPDATED = "client.updated", _("Client changed")
    CLIENT_DELETED = "client.deleted", _("Client deleted")
    IMPORT_FINISHED = "import.finished", _("Client-number import finished")
    SUBSCRIPTION_CHANGED = "subscription.changed", _("Subscription changed")
    STATEMENT_ISSUED = "statement.issued", _("Wholesale statement issued")


# Sent by the "Send test event" button only; endpoints don't subscribe to it.
TEST_EVENT = "webhook.test"


def _firm_key():
    """The firm key without an index of its own: each table has an index that starts
    with it, or is only ever read by a narrower key."""
    return models.ForeignKey(Firm, on_delete=models.CASCADE, verbose_name=_("firm"), db_index=False)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class DisabledReason(models.TextChoices):
    MANUAL = "manual", _("Turned off by an admin")
    FAILURES = "failures", _("Turned off after repeated failed deliveries")


class WebhookEndpoint(TenantModel):
    """An address of the firm's own tools that receives the events it chose."""

    firm = _firm_key()
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100, default=new_secret)
    is_enabled = models.BooleanField(_("on"), default=True)
    disabled_reason = models.CharField(
        max_length=10, choices=DisabledReason.choices, blank=True, default=""
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Deliveries in a row that failed every attempt; any success sets it back to 0.
    failed_deliveries = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["firm", "is_enabled"], name="webhook_endpoint_firm_on")]

    def __str__(self):
        return self.url

    @property
    def event_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels[e]) for e in EventType.values if e in self.events]


class WebhookEvent(TenantModel):
    """Something that happened in the firm, as the JSON every endpoint receives."""

    firm = _firm_key()
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    payload = models.JSONField()

    unscoped = models.Manager()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="webhook_event_created")]

    def __str__(self):
        return f"{self.type} {self.event_id}"

    @property
    def event_id(self) -> str:
        return f"evt_{self.public_id.hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not sent: endpoint off")


class WebhookDelivery(TenantModel):
    """One event on its way to one endpoint, over one or more attempts.

    `next_attempt_at` is when the next attempt is due; while an attempt runs it
    holds the attempt's lease, so a duplicate task message finds nothing to do."""

    firm = _firm_key()
    endpoint = TenantForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = TenantForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "endpoint", "event"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"

    @property
    def is_test(self) -> bool:
        return self.event.type == TEST_EVENT


class AttemptError(models.TextChoices):
    TIMEOUT = "timeout", _("Timed out")
    CONNECT = "connect", _("Could not connect")
    TLS = "tls", _("Secure connection failed")
    REDIRECT = "redirect", _("Redirect not followed")
    NOT_FOUND = "not_found", _("Host name not found")
    NOT_PUBLIC = "not_public", _("Refused: not a public internet address")
    INVALID = "invalid", _("Address not allowed")
    ERROR = "error", _("Sending failed")


class DeliveryAttempt(TenantModel):
    """One HTTP request of a delivery, as the endpoint's delivery log shows it."""

    firm = _firm_key()
    endpoint = TenantForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="attempts", db_index=False
    )
    delivery = TenantForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("sent"))
    succeeded = models.BooleanField(_("delivered"))
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration"), null=True, blank=True)
    error_code = models.CharField(
        _("error"), max_length=12, choices=AttemptError.choices, blank=True
    )
    error = models.CharField(_("detail"), max_length=500, blank=True)
    response_body = models.TextField(_("response"), blank=True)

    unscoped = models.Manager()

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_attempt_log")]

    def __str__(self):
        return f"{self.delivery} #{self.number}"
