"""The client list (R8) with its bulk actions and export (R25), adding a client,
and the profile page (R9). Edits of one client are in profile_views, the Team
tab's actions in team_views."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import access as client_access
from clients import access_selectors, access_views, rows, selectors, services
from clients.companies.selectors import client_wholesale_offer
from clients.forms import (
    ACCESS_ACTIONS,
    BULK_ACTIONS,
    BulkActionForm,
    ClientCreateForm,
    ClientListForm,
    ClientTaxForm,
)
from clients.models import BillingChoice, Client
from clients.pages import (
    PROFILE_TABS,
    csrf_input,
    firm_team_context,
    list_url,
    profile_context,
    profile_url,
    safe_next,
    team_tab_context,
)
from practice import clock
from practice.activity import describe
from practice.csvutil import EXPORT_HEADERS, escape_cell
from practice.models import ActivityEvent
from practice.permissions import require_admin
from practice.submissions import submit_once
from practice.tenancy import firm_scope
from practice.web import (
    apply_errors,
    csv_delimiter,
    csv_lines,
    csv_response,
    errors_to_messages,
    form_token,
    htmx_partial,
    htmx_target,
)

ACCESS_ACTION_KEYS = {key for key, _label in ACCESS_ACTIONS}

# The list --------------------------------------------------------------------


def _list_context(request, params: QueryDict) -> dict:
    firm, membership = request.firm, request.membership
    leads = selectors.lead_accountant_choices(firm=firm)
    form = ClientListForm(params, leads=leads)
    filters = form.filters()
    sort = form.value("sort") or "name"
    page = selectors.client_page(
        membership=membership,
        filters=filters,
        sort=sort,
        after=form.value("after"),
        before=form.value("before"),
        last=bool(form.value("last", False)),
    )
    columns = selectors.client_list_columns(firm=firm, membership=membership)
    state = form.state()
    slug = firm.slug
    headers = []
    for key in columns:
        col = selectors.COLUMNS[key]
        entry = {"key": key, "label": col.label, "url": None, "direction": None}
        if col.sort_field:
            current = sort.lstrip("-") == key
            descending = current and sort.startswith("-")
            entry["direction"] = ("descending" if descending else "ascending") if current else None
            new_sort = f"-{key}" if current and not descending else key
            entry["url"] = list_url(slug, {**state, "sort": new_sort})
        headers.append(entry)
    hidden = [k for k in selectors.COLUMNS if k not in columns]
    context = {
        "page": page,
        "rows": page.rows,
        "csrf_input": csrf_input(request),
        "filters": filters,
        "list_form": form,
        "sort": sort,
        "leads": leads,
        "columns": columns,
        "headers": headers,
        "chooser": [(k, selectors.COLUMNS[k].label, True) for k in columns]
        + [(k, selectors.COLUMNS[k].label, False) for k in hidden],
        "required_columns": selectors.REQUIRED_COLUMNS,
        "colspan": len(columns) + 2,
        "state_query": urlencode(state),
        "list_url": list_url(slug, state),
        "current_url": request.get_full_path()
        if request.resolver_match.url_name == "list"
        else list_url(slug, state),
        "first_url": list_url(slug, state) if page.has_previous else None,
        "previous_url": list_url(slug, {**state, "before": page.previous_cursor})
        if page.previous_cursor
        else None,
        "next_url": list_url(slug, {**state, "after": page.next_cursor})
        if page.next_cursor
        else None,
        "last_url": list_url(slug, {**state, "last": "1"}) if page.has_next else None,
        "export_url": reverse("clients:export", kwargs={"firm_slug": slug})
        + (f"?{urlencode(state)}" if state else ""),
        "include_inactive_url": list_url(slug, {**state, "inactive": "1"}),
        "clear_url": list_url(slug, {"sort": state["sort"]} if "sort" in state else None),
        "can_delete": membership.is_primary_admin,
        "client_types": Client._meta.get_field("client_type").choices,
        "bulk_actions": BULK_ACTIONS + (ACCESS_ACTIONS if membership.is_admin else []),
    }
    rows.RowRenderer(
        firm_slug=slug,
        columns=columns,
        csrf_input=context["csrf_input"],
        can_delete=context["can_delete"],
        current_url=context["current_url"],
    ).decorate(page.rows)
    if page.total == 0:
        context["firm_has_clients"] = selectors.firm_has_clients(membership=membership)
    return context


def client_list(request, firm_slug):
    """The client list (R8): filters, search, sort and page all live in the URL."""
    context = _list_context(request, request.GET)
    if htmx_target(request) == "client-results":
        return render(request, "clients/list.html#results", context)
    return render(request, "clients/list.html", context)


@require_POST
def client_columns(request, firm_slug):
    """Save the column chooser (R8): shown columns, in the order given."""
    known = selectors.COLUMNS
    order = [k for k in request.POST.getlist("order") if k in known]
    order += [k for k in known if k not in order]
    shown = set(request.POST.getlist("shown")) | selectors.REQUIRED_COLUMNS
    move = request.POST.get("move", "")
    if ":" in move:
        key, direction = move.split(":", 1)
        if key in order:
            i = order.index(key)
            j = i - 1 if direction == "up" else i + 1
            if 0 <= j < len(order):
                order[i], order[j] = order[j], order[i]
    previous = selectors.client_list_columns(firm=request.firm, membership=request.membership)
    columns = selectors.arrange_columns(previous=previous, order=order, shown=shown)
    services.client_list_columns_save(
        firm=request.firm, membership=request.membership, columns=columns
    )
    query = request.POST.get("query", "")
    if htmx_partial(request):
        context = _list_context(request, QueryDict(query))
        context["chooser_open"] = True
        html = render_to_string("clients/list.html#results", context, request=request)
        context["oob"] = True
        html += render_to_string("clients/list.html#column_chooser", context, request=request)
        return HttpResponse(html)
    return redirect(list_url(firm_slug) + (f"?{query}" if query else ""))


@require_POST
def client_bulk(request, firm_slug):
    """Bulk actions on selected rows: lead accountant, status, export, and for
    admins the firm team (R30)."""
    firm, membership = request.firm, request.membership
    if request.POST.get("action") in ACCESS_ACTION_KEYS:
        require_admin(membership, message=_("Only the firm's admins manage client access."))
    members = access_selectors.firm_members(firm=firm)
    form = BulkActionForm(request.POST, firm=firm, members=members)
    back = safe_next(request, firm_slug)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action, ids = form.cleaned_data["action"], form.cleaned_data["ids"]
    if action == "export":
        filters = selectors.ClientFilters(include_inactive=True, ids=ids)
        return _csv_response(request, filters=filters, sort="name", selection=True)
    if action in ACCESS_ACTION_KEYS:
        return access_views.bulk_access(request, form, back)
    try:
        if action == "assign_lead":
            count = services.clients_bulk_assign_lead(
                firm=firm,
                client_ids=ids,
                lead_accountant=form.cleaned_data["lead_accountant"],
                by=membership,
            )
        else:
            count = services.clients_bulk_set_status(
                firm=firm,
                client_ids=ids,
                status=BulkActionForm.STATUS_FOR_ACTION[action],
                by=membership,
            )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            ngettext("%(count)d client updated.", "%(count)d clients updated.", count)
            % {"count": count},
        )
    return redirect(back)


# Export ----------------------------------------------------------------------


def _csv_response(request, *, filters, sort: str, selection: bool = False):
    """Stream the clients as CSV (R25): the R25 headers in the user's language,
    then the other columns; every cell defused against formula injection.

    The body is produced after the view (and the tenant gate) returned, so the
    generator re-enters the firm's scope itself. Labels are resolved now, while
    the request's language is active. What was sent (filters, rows) goes to the
    firm's activity log once the stream ends, even when it is cut short."""
    firm, membership = request.firm, request.membership
    language = (get_language() or "en")[:2]
    headers = list(EXPORT_HEADERS.get(language, EXPORT_HEADERS["en"]))
    headers += [str(label) for _name, label in selectors.EXPORT_EXTRA_COLUMNS]
    labels = {
        selectors.EXPORT_FIELDS.index(name): {value: str(label) for value, label in enum.choices}
        for name, enum in selectors.CHOICE_FIELDS.items()
    }

    def values():
        for row in selectors.client_export_values(
            membership=membership, filters=filters, sort=sort
        ):
            sent[0] += 1
            row = list(row)
            for index, mapping in labels.items():
                row[index] = mapping.get(row[index], row[index])
            yield [escape_cell(v) for v in row]

    sent = [0]
    delimiter = csv_delimiter()

    def content():
        yield "\ufeff" + "".join(
            csv_lines([[escape_cell(h) for h in headers]], delimiter=delimiter)
        )
        with firm_scope(firm):
            try:
                yield from csv_lines(values(), delimiter=delimiter, batch=1000)
            finally:
                services.clients_export_record(
                    membership=membership,
                    filters=filters,
                    sort=sort,
                    rows=sent[0],
                    selection=selection,
                )

    return csv_response(content(), filename=f"clients-{firm.slug}-{clock.today().isoformat()}.csv")


def client_export(request, firm_slug):
    """Export the list with its current filters and sort."""
    form = ClientListForm(request.GET, leads=selectors.lead_accountant_choices(firm=request.firm))
    return _csv_response(request, filters=form.filters(), sort=form.value("sort") or "name")


# Add -------------------------------------------------------------------------


def _compare_plans_url(firm_slug: str) -> str | None:
    try:
        return reverse("subscriptions:compare", kwargs={"firm_slug": firm_slug})
    except NoReverseMatch:
        return None


def client_add(request, firm_slug):
    """Add a client (R4, R5)."""
    from subscriptions.selectors import plan_choices_for_new_client

    firm = request.firm
    plans = plan_choices_for_new_client(firm=firm)
    form = ClientCreateForm(request.POST or None, firm=firm, plans=plans)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            client = services.client_create(
                firm=firm,
                by=request.membership,
                billing=form.cleaned_data["billing"],
                plan_code=form.cleaned_data.get("plan_code") or "",
                **form.service_fields(),
            )
            messages.success(request, _("%(client)s was added.") % {"client": client})
            if "add_another" in request.POST:
                return reverse("clients:add", kwargs={"firm_slug": firm_slug})
            return reverse(
                "clients:detail", kwargs={"firm_slug": firm_slug, "client_id": client.pk}
            )

        try:
            url, _created = submit_once(
                user=request.user, token=request.POST.get("form_token", ""), create=create
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(url)
    context = {
        "form_token": form_token(request),
        "form": form,
        "compare_url": _compare_plans_url(firm_slug),
        "wholesale": BillingChoice.WHOLESALE,
    }
    return render(request, "clients/add.html", context, status=400 if form.errors else 200)


def _products_template() -> str | None:
    try:
        get_template("subscriptions/_client_products.html")
    except TemplateDoesNotExist:
        return None
    return "subscriptions/_client_products.html"


def client_detail(request, firm_slug, client_id):
    """The client profile (R9): overview, products, documents, tax return, history."""
    client = client_access.access_client_by_id(membership=request.membership, client_id=client_id)
    tab = request.GET.get("tab", "overview")
    if tab not in PROFILE_TABS:
        tab = "overview"
    context = profile_context(request, client, tab)
    if tab == "overview":
        from subscriptions.selectors import live_plan

        context["plan"] = live_plan(client)
    elif tab == "products":
        from subscriptions.selectors import client_products

        context["products"] = client_products(client=client)
        context["products_template"] = _products_template()
    elif tab == "tax":
        context["tax_form"] = ClientTaxForm(instance=client, firm=request.firm)
    elif tab == "team":
        from subscriptions.clientapps.selectors import client_app_setups

        context.update(team_tab_context(client))
        context["setups_to_resume"] = [
            (setup, reverse("subscriptions:app_setup", args=[firm_slug, setup.pk]))
            for setup in client_app_setups(client=client)
            if setup.status != "active"
        ]
    elif tab == "firm_team":
        context.update(firm_team_context(request, client))
    elif tab == "history":
        events = selectors.client_history(firm=request.firm, client_id=client.pk)
        for event in events:
            if isinstance(event, ActivityEvent):
                event.sentence = describe(event)
        context["events"] = [(event, selectors.readable_changes(event)) for event in events]
    if htmx_target(request) == "client-tab":
        return render(request, "clients/detail.html#tab_panel", context)
    return render(request, "clients/detail.html", context)


def client_wholesale_after_transfer(request, firm_slug, client_id):
    """R22: within 60 days of leaving its previous firm's wholesale billing, a client
    that transferred in may be put on this firm's wholesale billing (admins, R2)."""
    from subscriptions.models import ProductKind
    from subscriptions.selectors import catalogue, client_can_subscribe
    from subscriptions.transfers import subscription_start_wholesale_after_transfer

    client = client_access.access_client_by_id(membership=request.membership, client_id=client_id)
    require_admin(request.membership)
    offer = client_wholesale_offer(client)
    needs_plan = client_can_subscribe(client=client)
    plans = catalogue(kind=ProductKind.PLAN)
    error = None
    if request.method == "POST":
        product = None
        if needs_plan:
            product = next((p for p in plans if p.code == request.POST.get("plan_code")), None)
        try:
            subscription_start_wholesale_after_transfer(
                firm=request.firm, client=client, product=product, by=request.membership
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(client)s is being enrolled in your wholesale billing, with the discount.")
                % {"client": client},
            )
            return redirect(profile_url(firm_slug, client, "products"))
    return render(
        request,
        "clients/wholesale_after_transfer.html",
        {
            "client": client,
            "offer": offer,
            "needs_plan": needs_plan,
            "plans": plans,
            "error": error,
        },
        status=400 if error else 200,
    )
