"""Security history (R33): each person's sign-ins, failures and changes to
their second factors, written from the signals of Django and django-allauth."""

from allauth.account import signals as account_signals
from allauth.core.internal.httpkit import get_client_ip
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals

from practice.models import SecurityEvent, SecurityEventKind, User


def security_event_record(*, user, kind: str, request=None, detail: str = "") -> SecurityEvent:
    ip, agent = None, ""
    if request is not None:
        try:
            ip = get_client_ip(request)
        except Exception:  # a malformed forwarded address must not stop a sign-in
            ip = None
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    return SecurityEvent.objects.create(
        user=user, kind=kind, detail=detail[:200], ip_address=ip, user_agent=agent
    )


def _signed_in(sender, request, user, **kwargs):
    security_event_record(user=user, kind=SecurityEventKind.SIGNED_IN, request=request)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("email") or credentials.get("username") or ""
    user = User.objects.filter(email__iexact=str(email).strip()).first() if email else None
    if user is not None:
        security_event_record(user=user, kind=SecurityEventKind.SIGN_IN_FAILED, request=request)


def _signed_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        security_event_record(user=user, kind=SecurityEventKind.SIGNED_OUT, request=request)


def _password_changed(sender, request, user, **kwargs):
    security_event_record(user=user, kind=SecurityEventKind.PASSWORD_CHANGED, request=request)


def _password_reset(sender, request, user, **kwargs):
    security_event_record(user=user, kind=SecurityEventKind.PASSWORD_RESET, request=request)


def _factor_added(sender, request, user, authenticator, **kwargs):
    security_event_record(
        user=user, kind=SecurityEventKind.FACTOR_ADDED, request=request, detail=authenticator.type
    )


def _factor_removed(sender, request, user, authenticator, **kwargs):
    security_event_record(
        user=user, kind=SecurityEventKind.FACTOR_REMOVED, request=request, detail=authenticator.type
    )


def _factor_reset(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        security_event_record(
            user=user, kind=SecurityEventKind.RECOVERY_CODES_REGENERATED, request=request
        )


def _factor_used(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        security_event_record(user=user, kind=SecurityEventKind.RECOVERY_CODE_USED, request=request)


def _second_step_failed(sender, request, user, **kwargs):
    security_event_record(user=user, kind=SecurityEventKind.SECOND_STEP_FAILED, request=request)


def connect() -> None:
    auth_signals.user_logged_in.connect(_signed_in, dispatch_uid="security-signed-in")
    auth_signals.user_login_failed.connect(_sign_in_failed, dispatch_uid="security-failed")
    auth_signals.user_logged_out.connect(_signed_out, dispatch_uid="security-signed-out")
    account_signals.password_changed.connect(_password_changed, dispatch_uid="security-pw")
    account_signals.password_reset.connect(_password_reset, dispatch_uid="security-pw-reset")
    mfa_signals.authenticator_added.connect(_factor_added, dispatch_uid="security-mfa-add")
    mfa_signals.authenticator_removed.connect(_factor_removed, dispatch_uid="security-mfa-rm")
    mfa_signals.authenticator_reset.connect(_factor_reset, dispatch_uid="security-mfa-reset")
    mfa_signals.authenticator_used.connect(_factor_used, dispatch_uid="security-mfa-used")
    mfa_signals.authentication_failed.connect(
        _second_step_failed, dispatch_uid="security-mfa-failed"
    )


def security_history(*, user, limit: int = 100) -> list[SecurityEvent]:
    """A person's latest security events, newest first."""
    return list(SecurityEvent.objects.filter(user=user)[:limit])
