from django import template

from subscriptions import selectors

register = template.Library()


@register.simple_tag
def client_usage(client):
    """{% client_usage client as usage %}: the client's recorded usage, or None."""
    return selectors.client_usage(client=client)


@register.simple_tag
def client_can_subscribe(client):
    return selectors.client_can_subscribe(client=client)


@register.simple_tag
def all_features():
    from subscriptions.models import Feature

    return list(Feature.objects.order_by("name"))


@register.simple_tag
def client_apps(client):
    """{% client_apps client as setups %}: the apps installed for the client, with
    their setup state and Time account."""
    from subscriptions.clientapps.selectors import client_app_setups

    return client_app_setups(client=client)
