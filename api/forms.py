from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from api.models import TokenScope
from api.services import EXPIRY_DAYS
from practice.forms import StyledFormMixin


def _expiry_choices():
    return [
        (days, ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days})
        for days in EXPIRY_DAYS
    ]


class ApiTokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, such as the tool that will use it."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read-only token can't change anything."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"), coerce=int, choices=_expiry_choices, initial=90
    )
