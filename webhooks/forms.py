from django import forms
from django.utils.translation import gettext_lazy as _

from practice.forms import StyledFormMixin
from webhooks.addresses import URL_MAX_LENGTH
from webhooks.models import EventType
from webhooks.services import DESCRIPTION_MAX_LENGTH

EVENT_HELP = {
    EventType.CLIENT_CREATED: _("A client is added, or joins the firm from an invitation."),
    EventType.CLIENT_UPDATED: _(
        "A client's details, status, lead accountant or primary admin change."
    ),
    EventType.CLIENT_DELETED: _("A client is deleted, or transfers to another firm."),
    EventType.IMPORT_FINISHED: _("A client-number import or check is done or failed."),
    EventType.SUBSCRIPTION_CHANGED: _(
        "A subscription starts, is upgraded, downgraded, moved off wholesale, or ends."
    ),
    EventType.STATEMENT_ISSUED: _("The month's wholesale statement is issued."),
}


class EndpointForm(StyledFormMixin, forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        help_text=_("The https address of your service that receives the events."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        help_text=_("What receives the events, for your team (optional)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one event."),
            "invalid_choice": _("Choose events from the list."),
        },
    )

    def event_options(self):
        """Each event's checkbox with its code and what triggers it."""
        for option in self["events"]:
            yield option, option.data["value"], EVENT_HELP[option.data["value"]]
