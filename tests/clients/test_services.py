"""Client services: R4–R7, R10–R12 and the activity log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_scopes import scopes_disabled

from clients import services
from clients.models import BillingChoice, Client, ClientStatus, ClientType
from practice.models import ActivityEvent
from practice.tenancy import firm_scope
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _create(firm, by, **fields):
    fields.setdefault("client_type", ClientType.BUSINESS)
    fields.setdefault("display_name", "Boulangerie Dupont")
    with firm_scope(firm):
        return services.client_create(firm=firm, by=by, **fields)


def _events(firm, **filters):
    with scopes_disabled():
        return list(ActivityEvent.objects.filter(firm=firm, **filters).order_by("id"))


def test_r4_create_records_subscription_choice_and_calls_subscriptions(
    firm, primary_admin, monkeypatch
):
    """R4/R5: the choice is recorded on the client and handed to subscriptions."""
    calls = []
    monkeypatch.setattr(
        "subscriptions.services.subscriptions_on_client_created",
        lambda **kw: calls.append(kw),
    )
    client = _create(
        firm,
        primary_admin,
        billing=BillingChoice.WHOLESALE,
        plan_code="essentials",
        firm_is_primary_admin=True,
        email=" a@b.test ",
    )
    assert client.initial_billing == BillingChoice.WHOLESALE
    assert client.initial_plan_code == "essentials"
    assert client.firm_is_primary_admin is True
    assert calls == [{"firm": firm, "client": client, "by": primary_admin.user}]
    event = _events(firm, verb="client.created")[0]
    assert event.target_id == client.pk and event.target_label == "Boulangerie Dupont"
    assert event.actor == primary_admin.user


def test_r4_no_subscription_drops_plan_and_unknown_billing_is_refused(firm, primary_admin):
    client = _create(firm, primary_admin, billing=BillingChoice.NONE, plan_code="essentials")
    assert client.initial_plan_code == ""
    with pytest.raises(ValidationError):
        _create(firm, primary_admin, billing="free-lunch")


def test_r5_billing_choice_cannot_be_changed_by_an_edit(firm, primary_admin):
    """R5: wholesale is chosen only at creation; an edit can't touch it."""
    client = _create(firm, primary_admin)
    with firm_scope(firm), pytest.raises(TypeError):
        services.client_update(
            firm=firm, client=client, by=primary_admin, version=1, initial_billing="wholesale"
        )


def test_r6_client_number_trimmed_optional_and_max_100(firm, primary_admin):
    assert _create(firm, primary_admin, client_number="  C-42  ").client_number == "C-42"
    assert _create(firm, primary_admin, display_name="B", client_number="   ").client_number is None
    _create(firm, primary_admin, display_name="C", client_number="x" * 100)
    with pytest.raises(ValidationError) as exc:
        _create(firm, primary_admin, display_name="D", client_number="y" * 101)
    assert "client_number" in exc.value.message_dict


def test_r6_number_in_use_is_refused_naming_the_holder(firm, other_firm, primary_admin):
    holder = _create(firm, primary_admin, display_name="Garage Martin", client_number="C-7")
    with pytest.raises(ValidationError) as exc:
        _create(firm, primary_admin, display_name="Other", client_number=" C-7 ")
    message = exc.value.message_dict["client_number"][0]
    assert "Garage Martin" in message and "C-7" in message
    # A client keeps its own number on edit; another firm may use the same number.
    with firm_scope(firm):
        services.client_update(
            firm=firm, client=holder, by=primary_admin, version=1, client_number="C-7"
        )
    with scopes_disabled():
        owner = MembershipFactory(firm=other_firm, role="primary_admin")
    assert _create(other_firm, owner, client_number="C-7").client_number == "C-7"


def test_r7_company_id_generated_unique_and_not_editable(firm, primary_admin):
    a = _create(firm, primary_admin, display_name="A")
    b = _create(firm, primary_admin, display_name="B")
    assert len(a.company_id) == 16 and a.company_id.isdigit()
    assert a.company_id != b.company_id
    with firm_scope(firm), pytest.raises(TypeError):
        services.client_update(firm=firm, client=a, by=primary_admin, version=1, company_id="1")


def test_r10_update_records_before_and_after_of_changed_fields(firm, primary_admin, admin_member):
    client = _create(firm, primary_admin, email="old@x.test")
    with firm_scope(firm):
        updated = services.client_update(
            firm=firm,
            client=client,
            by=primary_admin,
            version=client.version,
            email="new@x.test",
            phone="",
            lead_accountant=admin_member,
        )
    assert updated.version == 2
    event = _events(firm, verb="client.updated")[0]
    assert event.changes == {
        "email": ["old@x.test", "new@x.test"],
        "lead_accountant": [None, str(admin_member.user)],
    }


def test_r10_second_concurrent_editor_gets_a_conflict_and_nothing_is_overwritten(
    firm, primary_admin, admin_member
):
    client = _create(firm, primary_admin, email="first@x.test")
    with firm_scope(firm):
        services.client_update(
            firm=firm, client=client, by=admin_member, version=1, email="winner@x.test"
        )
        with pytest.raises(services.ClientConflict) as exc:
            services.client_update(
                firm=firm, client=client, by=primary_admin, version=1, email="loser@x.test"
            )
        assert str(admin_member.user) in exc.value.messages[0]
        assert Client.objects.get(pk=client.pk).email == "winner@x.test"


def test_r11_status_change_keeps_data_and_billing(firm, primary_admin, monkeypatch):
    """R11: making a client inactive cancels nothing; only the status changes."""
    client = _create(firm, primary_admin, billing=BillingChoice.WHOLESALE, client_number="N1")
    with scopes_disabled():
        Client.objects.filter(pk=client.pk).update(billing=BillingChoice.WHOLESALE)
    import subscriptions.services as sub_services

    touched = []
    for name in dir(sub_services):
        if name.startswith("subscription"):
            monkeypatch.setattr(sub_services, name, lambda *a, **k: touched.append(k))
    with firm_scope(firm):
        services.client_set_status(
            firm=firm, client=client, by=primary_admin, status=ClientStatus.INACTIVE
        )
        fresh = Client.objects.get(pk=client.pk)
    assert fresh.status == ClientStatus.INACTIVE
    assert fresh.billing == BillingChoice.WHOLESALE and fresh.client_number == "N1"
    assert touched == []
    assert _events(firm, verb="client.made_inactive")[0].changes == {
        "status": ["active", "inactive"]
    }
    with firm_scope(firm):
        services.client_set_status(
            firm=firm, client=fresh, by=primary_admin, status=ClientStatus.ACTIVE
        )
    assert len(_events(firm, verb="client.made_active")) == 1


def test_r12_only_the_primary_admin_deletes(firm, primary_admin, admin_member, standard_member):
    client = _create(firm, primary_admin)
    for member in (admin_member, standard_member):
        with firm_scope(firm), pytest.raises(PermissionDenied):
            services.client_delete(firm=firm, client=client, by=member)
    with firm_scope(firm):
        assert Client.objects.filter(pk=client.pk).exists()


def test_r12_each_unmet_condition_is_listed_with_how_to_meet_it(firm, primary_admin, monkeypatch):
    client = _create(firm, primary_admin, firm_is_primary_admin=True)
    monkeypatch.setattr("subscriptions.selectors.client_has_wholesale", lambda *, client: True)
    with firm_scope(firm), pytest.raises(ValidationError) as exc:
        services.client_delete(firm=firm, client=client, by=primary_admin)
    messages = exc.value.messages
    assert len(messages) == 2
    assert "primary admin" in messages[0] and "untick" in messages[0]
    assert "wholesale" in messages[1] and "Subscriptions & billing" in messages[1]
    monkeypatch.setattr("subscriptions.selectors.client_has_wholesale", lambda *, client: False)
    with firm_scope(firm), pytest.raises(ValidationError) as exc:
        services.client_delete(firm=firm, client=client, by=primary_admin)
    assert len(exc.value.messages) == 1


def test_r12_delete_keeps_the_name_in_the_log(firm, primary_admin):
    client = _create(firm, primary_admin, display_name="Atelier Roy", client_number="R-1")
    pk = client.pk
    with firm_scope(firm):
        services.client_delete(firm=firm, client=client, by=primary_admin)
        assert not Client.objects.filter(pk=pk).exists()
    event = _events(firm, verb="client.deleted")[0]
    assert event.target_label == "Atelier Roy" and event.target_id == pk
    assert event.changes["client_number"] == ["R-1", None]


def test_bulk_assign_lead_and_status_log_each_client(firm, primary_admin, admin_member):
    a = _create(firm, primary_admin, display_name="A")
    b = _create(firm, primary_admin, display_name="B")
    with firm_scope(firm):
        assert (
            services.clients_bulk_assign_lead(
                firm=firm, client_ids=[a.pk, b.pk], lead_accountant=admin_member, by=primary_admin
            )
            == 2
        )
        assert (
            services.clients_bulk_set_status(
                firm=firm, client_ids=[a.pk, b.pk], status="inactive", by=primary_admin
            )
            == 2
        )
        assert set(Client.objects.values_list("status", flat=True)) == {"inactive"}
    assert len(_events(firm, verb="client.updated")) == 2
    assert len(_events(firm, verb="client.made_inactive")) == 2


def test_bulk_ignores_other_firms_ids(firm, other_firm, primary_admin):
    with scopes_disabled():
        from tests.clients.factories import ClientFactory

        foreign = ClientFactory(firm=other_firm)
    with firm_scope(firm):
        assert (
            services.clients_bulk_set_status(
                firm=firm, client_ids=[foreign.pk], status="inactive", by=primary_admin
            )
            == 0
        )
    with scopes_disabled():
        foreign.refresh_from_db()
    assert foreign.status == "active"


def test_lead_from_another_firm_is_refused(firm, other_firm, primary_admin):
    with scopes_disabled():
        stranger = MembershipFactory(firm=other_firm)
    with pytest.raises(ValidationError):
        _create(firm, primary_admin, lead_accountant=stranger)
