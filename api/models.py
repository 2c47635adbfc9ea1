"""Personal access tokens of the API (R34).

A token belongs to one member of one firm and acts with that member's role and
client access. Only a SHA-256 digest of it is stored: the token is shown once,
when it is created. Its `prefix` (not secret) finds the row, then the digest of
the whole token is compared in constant time."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from practice.distribution import TenantForeignKey
from practice.models import Membership, TenantModel


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(TenantModel):
    membership = TenantForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("team member"),
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("access"), max_length=12, choices=TokenScope.choices, default=TokenScope.READ
    )
    prefix = models.CharField(_("token starts with"), max_length=16, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = ScopedManager(firm="firm")
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["firm", "membership", "-created_at"], name="apitoken_member"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["firm", "prefix"], name="apitoken_prefix_per_firm")
        ]

    def __str__(self):
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
