"""The passkey forms refuse a malformed credential as invalid, whatever it is:
Django's JSONField let a huge number or deep nesting through as an exception."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from practice.accounts.forms import CredentialField

pytestmark = pytest.mark.django_db

MALFORMED = ["9" * 5000, "[" * 100_000, "{", "", "x" * 5000]


@pytest.mark.parametrize("value", MALFORMED, ids=["long_number", "deep", "cut", "empty", "word"])
def test_the_credential_field_refuses_a_malformed_credential(value):
    with pytest.raises(ValidationError) as refused:
        CredentialField().clean(value)
    assert refused.value.code in ("invalid", "required")


def test_the_credential_field_reads_a_well_formed_one():
    assert CredentialField().clean('{"id": "abc", "n": 12}') == {"id": "abc", "n": 12}


@pytest.mark.parametrize("value", MALFORMED[:2], ids=["long_number", "deep"])
def test_passkey_sign_in_answers_a_forged_credential_with_the_page(client, value):
    response = client.post(reverse("mfa_login_webauthn"), {"credential": value})
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize(
    "name",
    [
        "add_webauthn",
        "signup_webauthn",
        "authenticate_webauthn",
        "login_webauthn",
        "reauthenticate_webauthn",
    ],
)
def test_every_passkey_form_has_the_safe_credential_field(name):
    from allauth.mfa import app_settings
    from allauth.utils import get_form_class

    form_class = get_form_class(app_settings.FORMS, name, None)
    assert isinstance(form_class.base_fields["credential"], CredentialField)
