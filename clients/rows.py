"""List rows built in Python. At 50 rows × 11 columns, template `if` chains,
`{% url %}` and `{% translate %}` per cell cost more than the database does, so
each request reverses the URLs and translates the labels once, then formats the
rows with plain string formatting. Every value is HTML-escaped by `_e`.

Measured (timeit, best of 7, same 50 rows, same run): this module 2.5 ms, an
inline `{% partialdef row %}` producing the identical HTML 81 ms (French: 5.5 ms
against 96 ms). The template would add 75 ms or more to every list page."""

from html import escape as _html_escape

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from clients.models import (
    BillingChoice,
    Client,
    ClientStatus,
    ClientType,
    TaxPreparationStatus,
    TaxReturnStatus,
)

_SENTINEL = 987654321
ROW_URLS = ("detail", "edit", "status", "delete", "row")


def _e(value) -> str:
    """Escape like Django's `escape` (quotes included)."""
    return _html_escape("" if value is None else str(value), quote=True)


def _labels(choices) -> dict:
    return {value: _e(label) for value, label in choices.choices}


class RowRenderer:
    def __init__(
        self,
        *,
        firm_slug: str,
        columns: list[str],
        csrf_input: str,
        can_delete: bool,
        current_url: str,
    ):
        self.columns = columns
        self.csrf_input = str(csrf_input)
        self.can_delete = can_delete
        self.urls = {}
        for name in ROW_URLS:
            pattern = reverse(
                f"clients:{name}", kwargs={"firm_slug": firm_slug, "client_id": _SENTINEL}
            )
            self.urls[name] = _e(pattern).replace(str(_SENTINEL), "{}").format
        self.labels = {
            "client_type": _labels(ClientType),
            "status": _labels(ClientStatus),
            "tax_preparation_status": _labels(TaxPreparationStatus),
            "tax_return_status": _labels(TaxReturnStatus),
        }
        self.billing = {
            BillingChoice.WHOLESALE: _e(_("Wholesale")),
            BillingChoice.DIRECT: _e(_("Direct")),
        }
        # Outside the f-string: xgettext does not look inside f-strings.
        no_billing = _e(pgettext("billing", "None"))
        self.muted_none = f'<span class="text-body-secondary">{no_billing}</span>'
        self.dash = '<span class="text-body-secondary">—</span>'
        self.t = {
            "actions": _e(_("Actions")),
            "edit": _e(_("Edit client")),
            "profile": _e(_("Open the profile")),
            "inactive": _e(_("Make inactive")),
            "active": _e(_("Make active")),
            "delete": _e(_("Delete permanently")),
        }
        self.select = _("Select %(name)s")
        self.next_input = _e(current_url)
        self.next_query = _e(urlencode({"next": current_url}))

    def cell(self, key: str, c: Client) -> str:
        if key == "name":
            return (
                '<td data-column="name" class="sticky-name">'
                f'<a href="{self.urls["detail"](c.pk)}" class="fw-medium">{_e(c.display_name)}</a></td>'
            )
        elif key == "client_number":
            return f'<td data-column="client_number" class="text-nowrap">{_e(c.client_number)}</td>'
        elif key == "client_type":
            inner = self.labels["client_type"].get(c.client_type, _e(c.client_type))
        elif key == "lead_accountant":
            inner = _e(c.lead_accountant.user) if c.lead_accountant_id else self.dash
        elif key == "email":
            inner = f'<a href="mailto:{_e(c.email)}">{_e(c.email)}</a>' if c.email else ""
        elif key == "phone":
            return f'<td data-column="phone" class="text-nowrap">{_e(c.phone)}</td>'
        elif key == "products":
            inner = _e(c.products_summary) if c.products_summary else self.dash
        elif key == "billing":
            inner = self.billing.get(c.billing) or self.muted_none
        elif key == "status":
            css = "text-bg-success" if c.is_active else "text-bg-secondary"
            label = self.labels["status"].get(c.status, _e(c.status))
            inner = f'<span class="badge {css}">{label}</span>'
        elif key in ("tax_preparation_status", "tax_return_status"):
            value = getattr(c, key)
            inner = self.labels[key].get(value, _e(value))
        else:
            inner = ""
        return f'<td data-column="{key}">{inner}</td>'

    def actions(self, c: Client) -> str:
        t, pk = self.t, c.pk
        status, label = ("inactive", t["inactive"]) if c.is_active else ("active", t["active"])
        edit, status_url = self.urls["edit"](pk), self.urls["status"](pk)
        delete = ""
        if self.can_delete:
            delete = (
                '<li><hr class="dropdown-divider"></li><li><a class="dropdown-item text-danger" '
                f'href="{self.urls["delete"](pk)}?{self.next_query}">{t["delete"]}</a></li>'
            )
        return (
            f'<details class="actions-menu" data-testid="actions-{pk}">'
            f'<summary class="btn btn-sm btn-outline-secondary text-nowrap">{t["actions"]} '
            '<span aria-hidden="true">▼</span></summary>'
            '<ul class="dropdown-menu show actions-menu-list shadow">'
            f'<li><a class="dropdown-item" href="{edit}" hx-get="{edit}" '
            f'hx-target="#client-row-{pk}" hx-swap="outerHTML">{t["edit"]}</a></li>'
            f'<li><a class="dropdown-item" href="{self.urls["detail"](pk)}">{t["profile"]}</a></li>'
            f'<li><form method="post" action="{status_url}" hx-post="{status_url}" '
            f'hx-target="#client-row-{pk}" hx-swap="outerHTML">{self.csrf_input}'
            f'<input type="hidden" name="next" value="{self.next_input}">'
            f'<input type="hidden" name="status" value="{status}">'
            f'<button type="submit" class="dropdown-item">{label}</button></form></li>'
            f"{delete}</ul></details>"
        )

    def row(self, c: Client) -> SafeString:
        cells = "".join(self.cell(key, c) for key in self.columns)
        css = "" if c.is_active else ' class="client-inactive"'
        select = _e(self.select % {"name": c.display_name})
        return mark_safe(  # noqa: S308 - every value above went through _e
            f'<tr id="client-row-{c.pk}" data-client="{_e(c.display_name)}"{css}>'
            '<td class="select-col sticky-start"><input type="checkbox" class="form-check-input" '
            'name="ids" '
            f'value="{c.pk}" form="bulk-form" aria-label="{select}"></td>{cells}'
            f'<td class="text-end sticky-end">{self.actions(c)}</td></tr>'
        )

    def decorate(self, clients) -> None:
        for client in clients:
            client.row_html = self.row(client)
