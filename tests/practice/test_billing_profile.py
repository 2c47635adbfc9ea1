"""R3: the firm's billing profile (contact, address, payment method on file)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled

from practice import services
from practice.models import BillingProfile
from practice.validators import looks_like_card_number

pytestmark = pytest.mark.django_db

COMPLETE = {
    "contact_name": "Anne Comptable",
    "contact_email": "billing@example.test",
    "address_line1": "1 rue du Test",
    "address_line2": "",
    "postal_code": "75001",
    "city": "Paris",
    "country": "FR",
    "payment_method": "SEPA mandate RUM-2026-0042",
}


def profile(firm):
    with scopes_disabled():
        return BillingProfile.objects.filter(firm=firm).first()


def test_r3_admin_completes_the_billing_profile(client_for, firm, admin_member):
    c = client_for(admin_member)
    page = c.get(reverse("billing_profile", args=[firm.slug]))
    assert 'data-testid="billing-incomplete"' in page.content.decode()
    response = c.post(reverse("billing_profile", args=[firm.slug]), COMPLETE)
    assert response["Location"] == reverse("billing_profile", args=[firm.slug])
    saved = profile(firm)
    assert saved.is_complete
    assert saved.payment_method == "SEPA mandate RUM-2026-0042"
    page = c.get(reverse("billing_profile", args=[firm.slug]))
    assert 'data-testid="billing-complete"' in page.content.decode()


def test_r3_incomplete_profile_names_what_is_missing(firm):
    incomplete = BillingProfile(firm=firm, contact_name="Anne")
    assert not incomplete.is_complete
    assert "city" in incomplete.missing_fields
    assert "billing contact" not in incomplete.missing_fields


@pytest.mark.parametrize(
    "value",
    [
        "4242 4242 4242 4242",
        "4111-1111-1111-1111",
        "Visa 4111111111111111 exp 12/29",
        "378282246310005",
    ],
)
def test_r3_card_numbers_are_refused(client_for, firm, admin_member, value):
    response = client_for(admin_member).post(
        reverse("billing_profile", args=[firm.slug]), {**COMPLETE, "payment_method": value}
    )
    assert response.status_code == 200
    assert "card number" in response.context["form"].errors["payment_method"][0]
    assert profile(firm) is None or profile(firm).payment_method != value


def test_r3_the_service_refuses_card_numbers_too(firm, admin_member):
    with scopes_disabled(), pytest.raises(ValidationError):
        services.billing_profile_update(
            firm=firm, by=admin_member, payment_method="4242424242424242"
        )


@pytest.mark.parametrize(
    "value",
    [
        "Visa ending 4242",
        "SEPA RUM-2024-118",
        "Virement mensuel",
        "FR76 3000 6000 0112 3456 7890 189",
    ],
)
def test_r3_labels_and_references_are_accepted(value):
    assert not looks_like_card_number(value)


def test_r2_r3_standard_user_sees_the_profile_read_only(client_for, firm, standard_member):
    c = client_for(standard_member)
    page = c.get(reverse("billing_profile", args=[firm.slug]))
    assert page.status_code == 200
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert c.post(reverse("billing_profile", args=[firm.slug]), COMPLETE).status_code == 403
    assert profile(firm) is None


def test_r2_r3_only_admins_update_through_the_service(firm, standard_member):
    with scopes_disabled(), pytest.raises(PermissionDenied):
        services.billing_profile_update(firm=firm, by=standard_member, city="Lyon")
