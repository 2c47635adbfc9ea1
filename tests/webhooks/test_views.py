"""Settings → Webhooks: admins only (R2), 404 for other firms' ids like missing
ones, bad input answered with a message and nothing written, and every change
to an endpoint in the activity log."""

from html import unescape

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from practice.models import ActivityEvent
from tests.practice.factories import MembershipFactory
from tests.webhooks.helpers import attempts, refreshed
from webhooks.models import EventType, WebhookEndpoint

pytestmark = pytest.mark.django_db

ROUTES = ["list", "add", "detail", "edit", "status", "test", "secret", "delete"]


def _url(name, firm, endpoint=None):
    kwargs = {"firm_slug": firm.slug}
    if name not in ("list", "add"):
        kwargs["endpoint_id"] = endpoint.pk if endpoint else 987654321
    return reverse(f"webhooks:{name}", kwargs=kwargs)


def _endpoints(firm):
    with scopes_disabled():
        return list(WebhookEndpoint.objects.filter(firm=firm))


def _verbs(firm):
    with scopes_disabled():
        return list(
            ActivityEvent.objects.filter(firm=firm, verb__startswith="webhook.")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


@pytest.fixture
def endpoint(firm, receiver, make_endpoint):
    return make_endpoint(receiver, events=[EventType.CLIENT_CREATED])


def test_r2_standard_members_get_403_on_every_webhook_page(
    firm, standard_member, endpoint, client_for
):
    browser = client_for(standard_member)
    for name in ROUTES:
        for method in ("get", "post"):
            response = getattr(browser, method)(_url(name, firm, endpoint))
            assert response.status_code in (403, 405), (name, method, response.status_code)
            if response.status_code == 405:
                continue
            assert "Only the firm's admins manage webhooks." in unescape(response.content.decode())
    assert refreshed(endpoint).is_enabled and _verbs(firm) == []


def test_the_pages_answer_404_for_another_firms_endpoint_like_a_missing_one(
    firm, other_firm, endpoint, client_for
):
    with scopes_disabled():
        other_admin = MembershipFactory(firm=other_firm, role="primary_admin")
    browser = client_for(other_admin)
    for name in ROUTES[2:]:
        for target in (endpoint, None):
            url = _url(name, other_firm, target)
            response = browser.get(url)
            if response.status_code == 405:
                response = browser.post(url)
            assert response.status_code == 404, (name, target)
    assert refreshed(endpoint).is_enabled


def test_the_settings_tabs_show_webhooks_to_admins_only(
    firm, admin_member, standard_member, client_for
):
    settings_url = reverse("firm_settings", args=[firm.slug])
    assert _url("list", firm) in client_for(admin_member).get(settings_url).content.decode()
    assert _url("list", firm) not in client_for(standard_member).get(settings_url).content.decode()


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(firm, admin_member, client_for):
    browser = client_for(admin_member)
    response = browser.post(
        _url("add", firm),
        {
            "url": "http://127.0.0.1:9/hooks",
            "description": "Practice tool",
            "events": ["client.created", "statement.issued"],
        },
    )
    [endpoint] = _endpoints(firm)
    assert response.status_code == 302 and response["Location"] == _url("detail", firm, endpoint)
    assert endpoint.events == ["client.created", "statement.issued"]
    assert endpoint.description == "Practice tool" and endpoint.secret.startswith("whsec_")
    first = browser.get(response["Location"]).content.decode()
    assert endpoint.secret in first and "Endpoint added." in first
    assert endpoint.secret not in browser.get(response["Location"]).content.decode()
    assert _verbs(firm) == ["webhook.endpoint_added"]
    activity = browser.get(reverse("activity", args=[firm.slug])).content.decode()
    assert "Added the webhook endpoint http://127.0.0.1:9/hooks" in activity
    assert "client.created, statement.issued" in activity
    listing = browser.get(_url("list", firm)).content.decode()
    assert "http://127.0.0.1:9/hooks" in listing and "Wholesale statement issued" in listing


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"url": "", "events": ["client.created"]}, "This field is required."),
        ({"url": "javascript:alert(1)", "events": ["client.created"]}, "Enter a full web address"),
        ({"url": "http://127.0.0.1:9/", "events": []}, "Choose at least one event."),
        ({"url": "http://127.0.0.1:9/", "events": ["client.exploded"]}, "Choose events from"),
        (
            {"url": "http://127.0.0.1:9/", "events": ["client.created"], "description": "x" * 201},
            "at most 200 characters",
        ),
        ({"url": "https://" + "a" * 2100, "events": ["client.created"]}, "at most 2000"),
    ],
)
def test_bad_input_is_answered_with_a_message_and_nothing_is_added(
    firm, admin_member, client_for, data, field_error
):
    response = client_for(admin_member).post(_url("add", firm), data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert _endpoints(firm) == [] and _verbs(firm) == []


def test_a_private_address_is_refused_in_the_users_language(
    settings, firm, admin_member, client_for
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    browser = client_for(admin_member)
    data = {"url": "https://127.0.0.1/hooks", "events": ["client.created"]}
    english = browser.post(_url("add", firm), data)
    assert english.status_code == 400
    assert "127.0.0.1 leads to 127.0.0.1, a loopback address." in english.content.decode()
    french = browser.post(_url("add", firm), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert "adresse de bouclage" in french.content.decode()
    assert _endpoints(firm) == []


def test_a_firm_has_at_most_the_configured_number_of_endpoints(
    settings, firm, admin_member, client_for, endpoint
):
    settings.WEBHOOKS_MAX_ENDPOINTS = 1
    response = client_for(admin_member).post(
        _url("add", firm), {"url": "http://127.0.0.1:9/", "events": ["client.created"]}
    )
    assert (
        response.status_code == 400 and "at most 1 webhook endpoints" in response.content.decode()
    )
    assert len(_endpoints(firm)) == 1


def test_an_admin_edits_an_endpoint_and_the_change_is_logged(
    firm, admin_member, client_for, endpoint
):
    browser = client_for(admin_member)
    form = browser.get(_url("edit", firm, endpoint)).content.decode()
    assert endpoint.url in form
    response = browser.post(
        _url("edit", firm, endpoint),
        {"url": endpoint.url, "events": ["client.deleted", "client.created"]},
    )
    assert response.status_code == 302
    assert refreshed(endpoint).events == ["client.created", "client.deleted"]
    with scopes_disabled():
        event = ActivityEvent.objects.get(firm=firm, verb="webhook.endpoint_changed")
    assert event.changes == {"events": ["client.created", "client.created, client.deleted"]}
    refused = browser.post(_url("edit", firm, endpoint), {"url": "ftp://x", "events": ["x"]})
    assert refused.status_code == 400
    assert refreshed(endpoint).events == ["client.created", "client.deleted"]


def test_an_admin_turns_an_endpoint_off_and_on(firm, admin_member, client_for, endpoint):
    browser = client_for(admin_member)
    assert browser.get(_url("status", firm, endpoint)).status_code == 405
    browser.post(_url("status", firm, endpoint), {"enabled": "0"})
    endpoint = refreshed(endpoint)
    assert not endpoint.is_enabled and endpoint.disabled_reason == "manual"
    page = browser.get(_url("detail", firm, endpoint)).content.decode()
    assert "Turn on" in page
    browser.post(_url("status", firm, endpoint), {"enabled": "1"})
    assert refreshed(endpoint).is_enabled
    assert _verbs(firm) == ["webhook.endpoint_disabled", "webhook.endpoint_enabled"]


def test_odd_parameters_change_nothing_and_never_fail(firm, admin_member, client_for, endpoint):
    browser = client_for(admin_member)
    for value in ("", "yes", "2"):
        response = browser.post(_url("status", firm, endpoint), {"enabled": value})
        assert response.status_code == 302
    assert refreshed(endpoint).is_enabled and _verbs(firm) == []
    for before in ("abc", "-5", "99999999999999999999", "1e3"):
        response = browser.get(_url("detail", firm, endpoint), {"before": before})
        assert response.status_code == 200


def test_turning_on_an_endpoint_whose_address_is_now_refused_says_why(
    settings, firm, admin_member, client_for, endpoint
):
    browser = client_for(admin_member)
    browser.post(_url("status", firm, endpoint), {"enabled": "0"})
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = browser.post(_url("status", firm, endpoint), {"enabled": "1"}, follow=True)
    assert "https only" in response.content.decode()
    assert not refreshed(endpoint).is_enabled


def test_the_test_event_button_delivers_and_the_log_shows_it(
    firm, admin_member, client_for, endpoint, receiver, django_capture_on_commit_callbacks
):
    browser = client_for(admin_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(_url("test", firm, endpoint))
    assert response.status_code == 302
    [request] = receiver.requests
    assert request.verified and request.json["type"] == "webhook.test"
    page = browser.get(_url("detail", firm, endpoint)).content.decode()
    assert "webhook.test" in page and request.json["id"] in page and "Delivered" in page
    [attempt] = attempts(endpoint)
    assert attempt.status_code == 200


def test_the_log_polls_while_deliveries_wait_and_stops_after(
    firm, admin_member, client_for, endpoint, django_capture_on_commit_callbacks
):
    browser = client_for(admin_member)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "delivery-log"}
    idle = browser.get(_url("detail", firm, endpoint), **htmx)
    assert idle.status_code == 286 and 'id="delivery-log"' in idle.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        browser.post(_url("test", firm, endpoint))  # queued, not sent yet
    waiting = browser.get(_url("detail", firm, endpoint), **htmx)
    assert waiting.status_code == 200 and 'hx-trigger="every 2s"' in waiting.content.decode()
    assert "1 delivery waiting" in waiting.content.decode()


def test_showing_the_secret_is_logged_and_replacing_it_changes_the_signature(
    firm, admin_member, client_for, endpoint, receiver, django_capture_on_commit_callbacks
):
    browser = client_for(admin_member)
    old_secret = endpoint.secret
    assert old_secret not in browser.get(_url("detail", firm, endpoint)).content.decode()
    shown = browser.post(_url("secret", firm, endpoint), {"action": "reveal"})
    assert shown.status_code == 200 and old_secret in shown.content.decode()
    rolled = browser.post(_url("secret", firm, endpoint), {"action": "roll"})
    new_secret = refreshed(endpoint).secret
    assert new_secret != old_secret
    assert new_secret in browser.get(rolled["Location"]).content.decode()
    assert _verbs(firm) == ["webhook.secret_revealed", "webhook.secret_rolled"]
    receiver.secret = old_secret
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(_url("test", firm, endpoint))
    assert receiver.requests[-1].reason == "bad signature"
    receiver.secret = new_secret
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(_url("test", firm, endpoint))
    assert receiver.requests[-1].verified


def test_an_admin_deletes_an_endpoint_after_confirming(firm, admin_member, client_for, endpoint):
    browser = client_for(admin_member)
    confirm = browser.get(_url("delete", firm, endpoint))
    assert confirm.status_code == 200 and endpoint.url in confirm.content.decode()
    assert _endpoints(firm) == [endpoint]
    response = browser.post(_url("delete", firm, endpoint))
    assert response["Location"] == _url("list", firm)
    assert _endpoints(firm) == []
    with scopes_disabled():
        event = ActivityEvent.objects.get(firm=firm, verb="webhook.endpoint_deleted")
    assert event.target_label == endpoint.url


def test_the_list_page_runs_a_fixed_number_of_queries(
    firm, admin_member, client_for, receiver, make_endpoint, django_assert_max_num_queries
):
    browser = client_for(admin_member)
    make_endpoint(receiver)
    browser.get(_url("list", firm))
    with django_assert_max_num_queries(10) as one:
        browser.get(_url("list", firm))
    for _ in range(5):
        make_endpoint(receiver)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert browser.get(_url("list", firm)).status_code == 200
