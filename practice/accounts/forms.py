"""The passkey forms of django-allauth's MFA, with a credential field that
refuses any malformed credential as invalid.

Django's forms.JSONField only turns a JSON syntax error into a validation error:
a number of more than 4,300 digits (Python's limit on reading one, ValueError)
or brackets nested past the recursion limit (RecursionError) reached the view as
an exception, on pages anyone may post to (the passkey sign-in). Installed with
MFA_FORMS (practice/settings.py)."""

from allauth.mfa.webauthn import forms as webauthn
from django import forms
from django.core.exceptions import ValidationError


class CredentialField(forms.JSONField):
    def to_python(self, value):
        try:
            return super().to_python(value)
        except (ValueError, RecursionError):
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": "…"}
            ) from None


def _credential() -> CredentialField:
    return CredentialField(required=True, widget=forms.HiddenInput)


class AddWebAuthnForm(webauthn.AddWebAuthnForm):
    credential = _credential()


class SignupWebAuthnForm(webauthn.SignupWebAuthnForm):
    credential = _credential()


class AuthenticateWebAuthnForm(webauthn.AuthenticateWebAuthnForm):
    credential = _credential()


class LoginWebAuthnForm(webauthn.LoginWebAuthnForm):
    credential = _credential()


class ReauthenticateWebAuthnForm(webauthn.ReauthenticateWebAuthnForm):
    credential = _credential()
