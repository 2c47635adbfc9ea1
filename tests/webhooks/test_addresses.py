"""R35: no webhook goes to a private, loopback, link-local, multicast or reserved
address (server-side request forgery), when the endpoint is registered and again
at every delivery, unless settings.WEBHOOKS_ALLOW_PRIVATE (tests, development)."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from practice.tenancy import firm_scope
from tests.webhooks.helpers import attempts, deliveries
from webhooks import addresses, sender, services
from webhooks.models import DeliveryStatus, EventType

pytestmark = pytest.mark.django_db


@pytest.fixture
def dns(monkeypatch):
    """dns({"host": ["1.2.3.4", ...]}) answers name lookups; other names are unknown."""
    answers = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port, 0, 0) if ":" in ip else (ip, port),
            )
            for ip in answers[host]
        ]

    monkeypatch.setattr(addresses, "getaddrinfo", getaddrinfo)
    return answers.update


@pytest.fixture
def public_only(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False


def _create(firm, by, url, events=(EventType.CLIENT_CREATED,)):
    with firm_scope(firm):
        return services.endpoint_create(firm=firm, by=by, url=url, events=list(events))


def _refusal(firm, by, url) -> str:
    with pytest.raises(ValidationError) as exc:
        _create(firm, by, url)
    return " ".join(exc.value.message_dict["url"])


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("10.20.30.40", "a private network address"),
        ("172.16.5.4", "a private network address"),
        ("192.168.1.10", "a private network address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "an address that is not on the public internet"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fd00::1", "a private network address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private network address"),
    ],
)
def test_r35_a_host_on_a_non_public_address_is_refused_with_a_clear_message(
    public_only, dns, firm, primary_admin, ip, kind
):
    dns({"hooks.example.test": [ip]})
    message = _refusal(firm, primary_admin, "https://hooks.example.test/in")
    assert message == (
        f"hooks.example.test leads to {ip}, {kind}. "
        "Webhooks are sent only to addresses on the public internet."
    )


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/in", "https://[::1]:8443/in", "https://10.0.0.8/", "https://localhost/"],
)
def test_r35_literal_and_local_addresses_are_refused(public_only, firm, primary_admin, url):
    assert "Webhooks are sent only to addresses on the public internet" in _refusal(
        firm, primary_admin, url
    )


def test_r35_one_private_address_among_public_ones_is_enough_to_refuse(
    public_only, dns, firm, primary_admin
):
    dns({"mixed.example.test": ["93.184.216.34", "192.168.0.5"]})
    assert "192.168.0.5, a private network address" in _refusal(
        firm, primary_admin, "https://mixed.example.test/in"
    )


def test_r35_a_public_https_address_is_accepted(public_only, dns, firm, primary_admin):
    dns({"hooks.example.test": ["93.184.216.34", "2606:2800:220:1::1"]})
    endpoint = _create(firm, primary_admin, "https://hooks.example.test/in?key=1")
    assert endpoint.url == "https://hooks.example.test/in?key=1" and endpoint.is_enabled


def test_r35_the_refusal_is_in_the_users_language(public_only, dns, firm, primary_admin):
    dns({"hooks.example.test": ["127.0.0.1"]})
    with translation.override("fr"):
        message = _refusal(firm, primary_admin, "https://hooks.example.test/in")
    assert "adresse de bouclage" in message and "internet public" in message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.test/in", "Webhooks are sent over https only"),
        ("", "Enter the address that will receive the events."),
        ("hooks.example.test/in", "Enter a full web address"),
        ("ftp://hooks.example.test/in", "Enter a full web address"),
        ("https://", "Enter a full web address"),
        ("https://hooks.example.test:99999/", "Enter a full web address"),
        ("https://user:secret@hooks.example.test/in", "Leave the user name and password out"),
        ("https://hooks.example.test/in#part", "Leave the part after “#” out"),
        ("https://hooks.example.test/a b", "can't contain spaces"),
        ("https://hooks.example.test/" + "a" * 2000, "at most 2000 characters"),
        ("https://unknown.example.test/in", "could not be found"),
    ],
)
def test_r35_malformed_or_unreachable_addresses_are_refused(
    public_only, dns, firm, primary_admin, url, message
):
    dns({"hooks.example.test": ["93.184.216.34"]})
    assert message in _refusal(firm, primary_admin, url)


def test_r35_the_address_is_checked_again_at_delivery_time(
    public_only, dns, firm, primary_admin, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS can change after registration (rebinding): the delivery is refused, and
    no request leaves."""
    dns({"rebind.example.test": ["93.184.216.34"]})
    endpoint = _create(firm, primary_admin, "https://rebind.example.test/in")
    dns({"rebind.example.test": ["127.0.0.1"]})

    def must_not_send(*args, **kwargs):
        raise AssertionError("a request was sent to a refused address")

    monkeypatch.setattr(sender, "post", must_not_send)
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        services.events_emit(firm=firm, event_type=EventType.CLIENT_CREATED, items=[{"id": 1}])
    [attempt] = attempts(endpoint)
    assert (attempt.succeeded, attempt.status_code) == (False, None)
    assert attempt.error_code == "not_public"
    assert attempt.error == "rebind.example.test → 127.0.0.1"
    assert deliveries(endpoint)[0].status == DeliveryStatus.PENDING  # retried later


def test_r35_the_connection_goes_to_the_address_that_was_checked(
    dns, firm, primary_admin, receiver, django_capture_on_commit_callbacks
):
    """The request is sent to the resolved address, with the URL's host name in the
    Host header: a second lookup can't send it elsewhere."""
    port = receiver.server.server_address[1]
    dns({"receiver.example.test": ["127.0.0.1"]})
    endpoint = _create(firm, primary_admin, f"http://receiver.example.test:{port}/in")
    receiver.secret = endpoint.secret
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        services.events_emit(firm=firm, event_type=EventType.CLIENT_CREATED, items=[{"id": 1}])
    [request] = receiver.requests
    assert request.verified
    assert request.headers["Host"] == f"receiver.example.test:{port}"


def test_r35_private_addresses_and_http_are_allowed_when_the_setting_says_so(
    settings, firm, primary_admin
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = _create(firm, primary_admin, "http://127.0.0.1:9/in")
    assert endpoint.url == "http://127.0.0.1:9/in"


def test_r35_turning_an_endpoint_on_checks_its_address_again(settings, dns, firm, primary_admin):
    dns({"hooks.example.test": ["93.184.216.34"]})
    endpoint = _create(firm, primary_admin, "https://hooks.example.test/in")
    with firm_scope(firm):
        services.endpoint_set_enabled(firm=firm, endpoint=endpoint, by=primary_admin, enabled=False)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    dns({"hooks.example.test": ["10.0.0.1"]})
    with firm_scope(firm), pytest.raises(ValidationError, match="private network address"):
        services.endpoint_set_enabled(firm=firm, endpoint=endpoint, by=primary_admin, enabled=True)
