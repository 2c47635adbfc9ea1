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
