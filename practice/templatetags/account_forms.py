from django import forms, template

register = template.Library()


@register.filter
def styled(bound_field):
    """The widget of an allauth form field with the site's form classes."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}{' is-invalid' if bound_field.errors else ''}".strip()}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)
