"""Fields refused by a service are marked like fields refused by the form itself
(is-invalid and aria-invalid), so the page points at them the same way."""

from django import forms
from django.core.exceptions import ValidationError

from practice.forms import StyledFormMixin
from practice.web import apply_errors


class NameForm(StyledFormMixin, forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


def _marked(form, name: str) -> bool:
    attrs = form.fields[name].widget.attrs
    return "is-invalid" in attrs["class"].split() and attrs.get("aria-invalid") == "true"


def test_a_field_the_form_refuses_is_marked():
    form = NameForm(data={"name": ""})
    assert not form.is_valid()
    assert _marked(form, "name")
    assert not _marked(form, "note")


def test_a_field_a_service_refuses_after_validation_is_marked():
    form = NameForm(data={"name": "Dupont"})
    assert form.is_valid()
    apply_errors(form, ValidationError({"name": "Already taken."}))
    assert form.errors["name"] == ["Already taken."]
    assert _marked(form, "name")
    assert not _marked(form, "note")
    assert 'aria-invalid="true"' in str(form["name"])


def test_a_service_error_without_a_field_marks_no_field():
    form = NameForm(data={"name": "Dupont"})
    assert form.is_valid()
    apply_errors(form, ValidationError("Something else."))
    assert form.non_field_errors() == ["Something else."]
    assert not _marked(form, "name")
