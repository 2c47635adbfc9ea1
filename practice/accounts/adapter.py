from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _

# The same words whether or not the account exists, and with the right password too.
TOO_MANY_ATTEMPTS = _("Too many failed sign-in attempts. Try again in a few minutes.")


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by accepting an invitation (team, portal, accountant
    links), never by public sign-up."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "This e-mail address and password don't match. Note that the password is case-sensitive."
        ),
        "too_many_login_attempts": TOO_MANY_ATTEMPTS,
    }

    def is_open_for_signup(self, request):
        return False

    def authenticate(self, request, **credentials):
        """A successful sign-in starts the e-mail's count of failures afresh (not
        the address's, so one office cannot hide a guessing run behind its own
        sign-ins)."""
        user = super().authenticate(request, **credentials)
        if user is not None:
            rates = account_settings.RATE_LIMITS.get("login_failed") or ""
            per_key = ",".join(r for r in rates.split(",") if r.strip().endswith("/key"))
            if per_key:
                ratelimit.clear(
                    request,
                    app="allauth.account",
                    action="login_failed",
                    config={"login_failed": per_key},
                    key=self._get_login_attempts_cache_key(request, **credentials),
                )
        return user

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        language = getattr(user, "language", "")
        if language and check_for_language(language):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=365 * 24 * 3600,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "This code is not valid: it is mistyped, has expired or was used already. "
            "Enter the code your app shows now, or an unused recovery code."
        ),
    }

    def get_totp_label(self, user) -> str:
        return user.email
