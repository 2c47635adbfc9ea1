import datetime

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from clients.models import BillingChoice
from subscriptions import selectors, services
from subscriptions.models import Feature, Subscription, SubscriptionStatus
from tests.subscriptions.factories import ClientUsageFactory, product

pytestmark = pytest.mark.django_db


def _url(name, firm, *args):
    return reverse(name, args=[firm.slug, *args])


def test_r17_tab_lists_only_wholesale_clients_with_search_and_fixed_queries(
    firm, primary_admin, client_for, wholesale, make_client, django_assert_max_num_queries
):
    for _i in range(12):
        wholesale("essentials")
    wholesale("plus")
    with scopes_disabled():
        named = wholesale("plus").client
        named.display_name = "Zeta Bakery"
        named.client_number = "ZB-9"
        named.save()
    make_client(display_name="Direct Only")
    c = client_for(primary_admin)
    url = _url("billing:index", firm)
    with django_assert_max_num_queries(12):
        response = c.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-client="') == 14
    assert "Direct Only" not in body
    found = c.get(
        url, {"q": "zeta"}, headers={"HX-Request": "true", "HX-Target": "wholesale-results"}
    )
    assert "Zeta Bakery" in found.content.decode()
    assert found.content.decode().count('data-client="') == 1
    assert "<html" not in found.content.decode()
    by_number = c.get(url, {"q": "ZB-9"})
    assert by_number.content.decode().count('data-client="') == 1


def test_r17_a_row_expands_to_the_clients_subscriptions_with_an_actions_menu(
    firm, primary_admin, client_for, wholesale, complete_profile
):
    sub = wholesale("essentials")
    c = client_for(primary_admin)
    url = _url("billing:client_subscriptions", firm, sub.client_id)
    partial = c.get(url, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith("<tr")
    assert (
        'data-action="upgrade"' in body
        and 'href="' + _url("subscriptions:upgrade", firm, sub.pk) in body
    )
    assert 'data-action="remove"' in body
    page = c.get(url)  # works without JavaScript too
    assert "<html" in page.content.decode()


def test_r16_actions_menu_says_why_a_pending_subscription_cannot_change(
    firm, primary_admin, client_for, wholesale, complete_profile
):
    sub = wholesale("essentials", status=SubscriptionStatus.PENDING, start_date=None)
    body = (
        client_for(primary_admin)
        .get(
            _url("billing:client_subscriptions", firm, sub.client_id),
            headers={"HX-Request": "true"},
        )
        .content.decode()
    )
    assert "still pending" in body
    assert f'href="{_url("subscriptions:upgrade", firm, sub.pk)}"' not in body


def test_r18_actions_menu_says_why_downgrade_is_refused(
    firm, primary_admin, client_for, wholesale, complete_profile
):
    sub = wholesale("plus")
    with scopes_disabled():
        ClientUsageFactory(
            client=sub.client, users=2, features=[Feature.objects.get(code="multicurrency")]
        )
    body = (
        client_for(primary_admin)
        .get(
            _url("billing:client_subscriptions", firm, sub.client_id),
            headers={"HX-Request": "true"},
        )
        .content.decode()
    )
    assert "Essentials doesn&#x27;t include Multicurrency" in body
    assert f'href="{_url("subscriptions:downgrade", firm, sub.pk)}"' not in body


def test_r16_upgrade_through_the_page(firm, primary_admin, client_for, wholesale, complete_profile):
    sub = wholesale("essentials")
    c = client_for(primary_admin)
    url = _url("subscriptions:upgrade", firm, sub.pk)
    page = c.get(url)
    assert page.status_code == 200 and "Advanced" in page.content.decode()
    response = c.post(url, {"product": "plus"})
    assert response.status_code == 302
    with scopes_disabled():
        sub.refresh_from_db()
    assert sub.product.code == "plus"


def test_r18_downgrade_page_refuses_with_the_reason(firm, primary_admin, client_for, wholesale):
    sub = wholesale("plus")
    with scopes_disabled():
        ClientUsageFactory(client=sub.client, users=5)
    c = client_for(primary_admin)
    url = _url("subscriptions:downgrade", firm, sub.pk)
    body = c.get(url).content.decode()
    assert "has 5 billable users and Essentials allows 3: remove 2 users first." in body
    response = c.post(url, {"product": "essentials"})
    assert response.status_code == 400
    assert "remove 2 users first." in response.content.decode()
    with scopes_disabled():
        sub.refresh_from_db()
    assert sub.product.code == "plus"


def test_r2_standard_members_cannot_open_billing_actions(
    firm, standard_member, client_for, wholesale
):
    sub = wholesale("essentials")
    c = client_for(standard_member)
    for name in ("upgrade", "downgrade", "remove_wholesale", "addon_add", "cancel"):
        assert c.get(_url(f"subscriptions:{name}", firm, sub.pk)).status_code == 403
    body = c.get(
        _url("billing:client_subscriptions", firm, sub.client_id), headers={"HX-Request": "true"}
    ).content.decode()
    assert "Only the firm&#x27;s admins manage billing." in body


def test_r12_remove_from_wholesale_through_the_page(firm, primary_admin, client_for, wholesale):
    sub = wholesale("essentials")
    c = client_for(primary_admin)
    url = _url("subscriptions:remove_wholesale", firm, sub.pk)
    assert "list price" in c.get(url).content.decode()
    assert c.post(url).status_code == 302
    with scope(firm=firm):
        assert not selectors.client_has_wholesale(client=sub.client)


def test_r20_add_on_with_payer_through_the_page(firm, primary_admin, client_for, wholesale):
    sub = wholesale("plus")
    c = client_for(primary_admin)
    url = _url("subscriptions:addon_add", firm, sub.pk)
    assert c.post(url, {"product": "payroll", "payer": "direct"}).status_code == 302
    with scopes_disabled():
        addon = Subscription.objects.get(parent=sub)
    assert addon.billing == "direct"


def test_products_tab_template_shows_subscriptions_usage_and_cost_link(
    firm, primary_admin, client_for, make_client
):
    client = make_client()
    with scope(firm=firm):
        services.subscription_start_direct(
            firm=firm, client=client, product=product("essentials"), by=primary_admin
        )
    c = client_for(primary_admin)
    body = c.get(_url("subscriptions:usage", firm, client.pk)).content.decode()
    assert 'data-testid="client-products"' in body
    assert "with the direct discount until" in body
    assert _url("subscriptions:cost", firm, client.pk) in body
    multicurrency = Feature.objects.get(code="multicurrency")
    response = c.post(
        _url("subscriptions:usage", firm, client.pk),
        {"users": 4, "features": [multicurrency.pk]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Usage saved." in response.content.decode()
    with scope(firm=firm):
        usage = selectors.client_usage(client=client)
        assert usage.users == 4
        assert list(usage.features.all()) == [multicurrency]


def test_r5_subscribe_later_through_the_page(firm, primary_admin, client_for, make_client):
    client = make_client()
    c = client_for(primary_admin)
    url = _url("subscriptions:subscribe", firm, client.pk)
    assert c.get(url).status_code == 200
    assert c.post(url, {"product": "plus"}).status_code == 302
    client.refresh_from_db()
    assert client.billing == BillingChoice.DIRECT


def test_cost_view_shows_24_months_wholesale_and_direct_side_by_side(
    firm, primary_admin, client_for, make_client
):
    client = make_client()
    c = client_for(primary_admin)
    response = c.get(_url("subscriptions:cost", firm, client.pk), {"plan": "essentials"})
    assert response.status_code == 200
    rows = response.context["projection"]["rows"]
    assert len(rows) == 24
    # Essentials 28.00: wholesale 19.60 throughout; direct 14.00 for 12 months, then 28.00.
    assert {r.wholesale for r in rows} == {__import__("decimal").Decimal("19.60")}
    assert [r.direct for r in rows[:12]] == [__import__("decimal").Decimal("14.00")] * 12
    assert [r.direct for r in rows[12:]] == [__import__("decimal").Decimal("28.00")] * 12
    partial = c.get(
        _url("subscriptions:cost", firm, client.pk),
        {"plan": "plus", "addons": ["payroll"]},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in partial.content.decode()
    assert 'id="cost-projection"' in partial.content.decode()


def test_cost_view_counts_direct_months_from_the_current_start(
    firm, primary_admin, client_for, wholesale
):
    today = datetime.date.today()
    start = today.replace(day=1) - datetime.timedelta(days=1)
    start = start.replace(day=1)  # first day of last month
    sub = wholesale("essentials", start=start)
    rows = (
        client_for(primary_admin)
        .get(_url("subscriptions:cost", firm, sub.client_id))
        .context["projection"]["rows"]
    )
    discounted = [r for r in rows if r.direct < r.wholesale]
    assert len(discounted) == 10  # months 3..12 of the subscription


def test_searches_ignore_nul_characters_the_database_would_refuse(
    firm, primary_admin, client_for, wholesale, make_client
):
    """A crafted ?q= with a NUL character made PostgreSQL refuse the query (500)."""
    from subscriptions.clientapps.selectors import client_search

    with scopes_disabled():
        named = wholesale("plus").client
        named.display_name = "Zeta Bakery"
        named.save()
    c = client_for(primary_admin)
    response = c.get(_url("billing:index", firm), {"q": "ze\x00ta"})
    assert response.status_code == 200
    assert "Zeta Bakery" in response.content.decode()
    with scope(firm=firm):
        assert [x.pk for x in client_search(firm=firm, q="ze\x00ta")] == [named.pk]
        assert client_search(firm=firm, q="\x00") == []


@pytest.mark.parametrize("target", ["2", "usage", "https://elsewhere.example/", "//elsewhere"])
def test_usage_saved_returns_only_to_a_path_of_this_site(
    firm, primary_admin, client_for, make_client, target
):
    """A `next` that is not a path here (a bare word would be taken for a view's
    name) sends back to the page itself."""
    client = make_client()
    url = _url("subscriptions:usage", firm, client.pk)
    response = client_for(primary_admin).post(url, {"users": 2, "next": target})
    assert (response.status_code, response["Location"]) == (302, url)


def test_usage_saved_returns_to_a_path_of_this_site(firm, primary_admin, client_for, make_client):
    client = make_client()
    url = _url("subscriptions:usage", firm, client.pk)
    back = _url("billing:index", firm) + "?q=x"
    response = client_for(primary_admin).post(url, {"users": 2, "next": back})
    assert (response.status_code, response["Location"]) == (302, back)


@pytest.mark.parametrize("key", [str(2**63), "99999999999999999999999", "-" + str(2**63 + 1)])
def test_a_feature_key_past_any_table_is_refused_as_a_choice(
    firm, primary_admin, client_for, make_client, key
):
    client = make_client()
    url = _url("subscriptions:usage", firm, client.pk)
    response = client_for(primary_admin).post(url, {"users": 2, "features": [key]})
    assert response.status_code == 400
    assert "is not a valid value" in response.content.decode()
    with scope(firm=firm):
        assert selectors.client_usage(client=client) is None
