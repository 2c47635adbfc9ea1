"""Firms and team: R1 (one primary admin, several firms) and R2 (who may do what)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from practice import services
from practice.models import BillingProfile, Firm, Membership, Role
from tests.clients.factories import ClientFactory
from tests.practice.factories import FirmFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, firm, *args):
    return reverse(name, args=[firm.slug, *args])


def roles(firm):
    with scopes_disabled():
        return dict(Membership.objects.filter(firm=firm).values_list("user__email", "role"))


# R1 ---------------------------------------------------------------------------


def test_r1_database_refuses_a_second_primary_admin(firm, primary_admin):
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(firm=firm, role=Role.PRIMARY_ADMIN)


def test_r1_database_refuses_promoting_a_second_primary_admin(firm, primary_admin, admin_member):
    admin_member.role = Role.PRIMARY_ADMIN
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        admin_member.save()


def test_r1_each_firm_has_its_own_primary_admin(firm, other_firm, primary_admin):
    with scopes_disabled():
        MembershipFactory(firm=other_firm, user=primary_admin.user, role=Role.PRIMARY_ADMIN)
        assert Membership.objects.filter(role=Role.PRIMARY_ADMIN).count() == 2


def test_r1_r2_primary_admin_hands_over_and_exactly_one_remains(
    client_for, firm, primary_admin, admin_member
):
    c = client_for(primary_admin)
    assert c.get(url("primary_admin_transfer", firm)).status_code == 200
    response = c.post(url("primary_admin_transfer", firm), {"member": admin_member.pk})
    assert response["Location"] == url("team", firm)
    after = roles(firm)
    assert after[admin_member.user.email] == Role.PRIMARY_ADMIN
    assert after[primary_admin.user.email] == Role.ADMIN
    assert list(after.values()).count(Role.PRIMARY_ADMIN) == 1


def test_r1_hand_over_to_a_deactivated_member_is_refused(firm, primary_admin, admin_member):
    with scopes_disabled():
        admin_member.is_active = False
        admin_member.save()
        with pytest.raises(ValidationError):
            services.primary_admin_transfer(firm=firm, to=admin_member, by=primary_admin)
    assert roles(firm)[primary_admin.user.email] == Role.PRIMARY_ADMIN


def test_firm_create_page_makes_the_creator_primary_admin(client_for, user):
    c = client_for(user)
    response = c.post(
        reverse("firm_create"),
        {"name": "Fiduciaire Léman", "country": "CH", "currency": "EUR", "language": "fr"},
    )
    firm = Firm.objects.get(name="Fiduciaire Léman")
    assert firm.slug == "fiduciaire-leman"
    assert response["Location"] == reverse("firm_home", args=[firm.slug])
    with scopes_disabled():
        assert Membership.objects.get(firm=firm).role == Role.PRIMARY_ADMIN
        assert BillingProfile.objects.filter(firm=firm).exists()


def test_firm_settings_are_edited_by_admins(client_for, firm, admin_member):
    c = client_for(admin_member)
    response = c.post(
        url("firm_settings", firm),
        {"name": "Renamed", "country": "CA", "currency": "CAD", "language": "fr"},
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.name, firm.country, firm.currency, firm.language) == ("Renamed", "CA", "CAD", "fr")


# R2: who may do what ---------------------------------------------------------------


def test_r2_standard_user_cannot_manage_the_team(client_for, firm, standard_member, admin_member):
    c = client_for(standard_member)
    assert c.get(url("team", firm)).status_code == 200  # can see the team
    refused = [
        c.post(url("team_invite", firm), {"email": "x@example.test", "role": "standard"}),
        c.post(url("member_role", firm, admin_member.pk), {"role": "standard"}),
        c.get(url("member_deactivate", firm, admin_member.pk)),
        c.post(url("member_deactivate", firm, admin_member.pk)),
        c.post(url("member_reactivate", firm, admin_member.pk)),
        c.post(
            url("firm_settings", firm),
            {"name": "X", "country": "FR", "currency": "EUR", "language": "en"},
        ),
        c.post(url("billing_profile", firm), {"contact_name": "X"}),
        c.get(url("primary_admin_transfer", firm)),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert roles(firm)[admin_member.user.email] == Role.ADMIN


def test_r2_team_page_hides_management_from_standard_users(client_for, firm, standard_member):
    page = client_for(standard_member).get(url("team", firm)).content.decode()
    assert 'data-testid="invite-form"' not in page
    assert "member-actions" not in page


def test_r2_services_check_roles_too(firm, standard_member, admin_member):
    with scopes_disabled():
        with pytest.raises(PermissionDenied):
            services.invitation_create(
                firm=firm, email="x@example.test", role="standard", by=standard_member
            )
        with pytest.raises(PermissionDenied):
            services.membership_change_role(
                firm=firm, membership=admin_member, role="standard", by=standard_member
            )
        with pytest.raises(PermissionDenied):
            services.billing_profile_update(firm=firm, by=standard_member, contact_name="X")
        with pytest.raises(PermissionDenied):
            services.primary_admin_transfer(firm=firm, to=standard_member, by=admin_member)


def test_r2_admin_cannot_hand_over_the_primary_admin_role(
    client_for, firm, primary_admin, admin_member, standard_member
):
    c = client_for(admin_member)
    assert c.get(url("primary_admin_transfer", firm)).status_code == 403
    response = c.post(url("primary_admin_transfer", firm), {"member": admin_member.pk})
    assert response.status_code == 403
    assert roles(firm)[primary_admin.user.email] == Role.PRIMARY_ADMIN


def test_r2_forged_role_post_cannot_make_a_primary_admin(
    client_for, firm, primary_admin, admin_member, standard_member
):
    c = client_for(admin_member)
    c.post(url("member_role", firm, standard_member.pk), {"role": "primary_admin"})
    c.post(url("member_role", firm, primary_admin.pk), {"role": "standard"})
    after = roles(firm)
    assert after[standard_member.user.email] == Role.STANDARD
    assert after[primary_admin.user.email] == Role.PRIMARY_ADMIN


def test_r2_admin_changes_a_role(client_for, firm, admin_member, standard_member):
    response = client_for(admin_member).post(
        url("member_role", firm, standard_member.pk), {"role": "admin"}
    )
    assert response["Location"] == url("team", firm)
    assert roles(firm)[standard_member.user.email] == Role.ADMIN


# Deactivation ----------------------------------------------------------------------


def test_deactivating_a_member_without_clients(client_for, firm, admin_member, standard_member):
    c = client_for(admin_member)
    page = c.get(url("member_deactivate", firm, standard_member.pk))
    assert page.status_code == 200
    assert page.context["lead_count"] == 0
    response = c.post(url("member_deactivate", firm, standard_member.pk))
    assert response["Location"] == url("team", firm)
    with scopes_disabled():
        standard_member.refresh_from_db()
        assert not standard_member.is_active
        assert standard_member.deactivated_at is not None
        assert Membership.objects.filter(pk=standard_member.pk).exists()  # never deleted
    # The deactivated person no longer gets in.
    assert client_for(standard_member).get(url("team", firm)).status_code == 404


def test_deactivating_a_lead_accountant_asks_who_takes_the_clients_over(
    client_for, firm, admin_member, standard_member, primary_admin
):
    with scopes_disabled():
        led = ClientFactory.create_batch(3, firm=firm, lead_accountant=standard_member)
        other = ClientFactory(firm=firm, lead_accountant=primary_admin)
    c = client_for(admin_member)
    page = c.get(url("member_deactivate", firm, standard_member.pk))
    assert page.context["lead_count"] == 3
    choices = [m.pk for m in page.context["form"].fields["member"].queryset]
    assert standard_member.pk not in choices and admin_member.pk in choices

    refused = c.post(url("member_deactivate", firm, standard_member.pk))
    assert refused.status_code == 400
    with scopes_disabled():
        standard_member.refresh_from_db()
    assert standard_member.is_active

    done = c.post(url("member_deactivate", firm, standard_member.pk), {"member": admin_member.pk})
    assert done["Location"] == url("team", firm)
    with scopes_disabled():
        standard_member.refresh_from_db()
        assert not standard_member.is_active
        for client in led:
            client.refresh_from_db()
            assert client.lead_accountant_id == admin_member.pk
        other.refresh_from_db()
        assert other.lead_accountant_id == primary_admin.pk


def test_clients_cannot_be_handed_to_a_member_of_another_firm(
    firm, other_firm, admin_member, standard_member
):
    with scopes_disabled():
        ClientFactory(firm=firm, lead_accountant=standard_member)
        stranger = MembershipFactory(firm=other_firm)
        with pytest.raises(ValidationError):
            services.membership_deactivate(
                firm=firm, membership=standard_member, by=admin_member, reassign_to=stranger
            )


def test_primary_admin_and_yourself_cannot_be_deactivated(firm, primary_admin, admin_member):
    with scopes_disabled():
        with pytest.raises(ValidationError):
            services.membership_deactivate(firm=firm, membership=primary_admin, by=admin_member)
        with pytest.raises(ValidationError):
            services.membership_deactivate(firm=firm, membership=admin_member, by=admin_member)


def test_reactivating_a_member(client_for, firm, admin_member, standard_member):
    with scopes_disabled():
        services.membership_deactivate(firm=firm, membership=standard_member, by=admin_member)
    response = client_for(admin_member).post(url("member_reactivate", firm, standard_member.pk))
    assert response["Location"] == url("team", firm)
    assert client_for(standard_member).get(url("team", firm)).status_code == 200


# Firm switcher ----------------------------------------------------------------------


@pytest.fixture
def two_firm_person(db):
    with scopes_disabled():
        person = UserFactory()
        a = MembershipFactory(user=person, firm=FirmFactory(name="Alpha"), role=Role.ADMIN)
        b = MembershipFactory(user=person, firm=FirmFactory(name="Beta"), role=Role.ADMIN)
    return person, a, b


def switch_targets(response):
    return {item["firm"].slug: item["url"] for item in response.context["user_firms"]}


def test_r1_firm_switcher_keeps_the_section(client_for, two_firm_person):
    person, a, b = two_firm_person
    c = client_for(person)
    for name in ("team", "activity", "firm_settings", "billing_profile"):
        targets = switch_targets(c.get(url(name, a.firm)))
        assert targets[b.firm.slug] == url(name, b.firm), name
        assert targets[a.firm.slug] == url(name, a.firm)
    page = c.get(url("team", a.firm)).content.decode()
    assert f'href="{url("team", b.firm)}"' in page


def test_r1_firm_switcher_from_an_object_page_falls_back_to_the_list(client_for, two_firm_person):
    person, a, b = two_firm_person
    with scopes_disabled():
        colleague = MembershipFactory(firm=a.firm)
    c = client_for(person)
    targets = switch_targets(c.get(url("member_deactivate", a.firm, colleague.pk)))
    assert targets[b.firm.slug] == url("team", b.firm)


def test_r1_firm_switcher_after_a_post_does_not_reuse_an_action_url(client_for, two_firm_person):
    person, a, b = two_firm_person
    response = client_for(person).post(url("team_invite", a.firm), {"email": "", "role": "x"})
    assert response.status_code == 400
    assert switch_targets(response)[b.firm.slug] == url("team", b.firm)


def test_r2_services_refuse_an_admin_of_another_firm(firm, other_firm, primary_admin):
    """R2: admin rights hold in the admin's own firm only, even if a caller passes
    another firm's membership to a service."""
    from django.core.exceptions import PermissionDenied
    from django_scopes import scopes_disabled

    from practice import services
    from tests.practice.factories import MembershipFactory

    with scopes_disabled():
        outsider = MembershipFactory(firm=other_firm, role="primary_admin")
        with pytest.raises(PermissionDenied):
            services.invitation_create(
                firm=firm, email="x@example.test", role="standard", by=outsider
            )
        with pytest.raises(PermissionDenied):
            services.primary_admin_transfer(firm=firm, to=primary_admin, by=outsider)
