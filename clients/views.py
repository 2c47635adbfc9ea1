import csv
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import rows, selectors, services
from clients.forms import (
    BulkActionForm,
    ClientCreateForm,
    ClientForm,
    ClientInlineForm,
    ClientListForm,
    ClientTaxForm,
)
from clients.models import BillingChoice, Client, ClientStatus
from practice import clock
from practice.csvutil import EXPORT_HEADERS, escape_cell
from practice.models import ActivityEvent
from practice.tenancy import firm_scope, get_in_firm_or_404

PROFILE_TABS = ("overview", "products", "team", "documents", "tax", "history")


def _htmx_partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def _list_url(firm_slug: str, params: dict | None = None) -> str:
    url = reverse("clients:list", kwargs={"firm_slug": firm_slug})
    return f"{url}?{urlencode(params)}" if params else url


def _safe_next(request, firm_slug: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    list_path = reverse("clients:list", kwargs={"firm_slug": firm_slug})
    if target.startswith(list_path) and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return list_path


def _row_list_url(request, firm_slug: str) -> str:
    """The list address a row's forms return to (kept across htmx swaps)."""
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        candidate = parts.path + (f"?{parts.query}" if parts.query else "")
        if candidate.startswith(reverse("clients:list", kwargs={"firm_slug": firm_slug})):
            return candidate
    return _safe_next(request, firm_slug)


# The list --------------------------------------------------------------------


def _list_context(request, params: QueryDict) -> dict:
    firm, membership = request.firm, request.membership
    leads = selectors.lead_accountant_choices(firm=firm)
    form = ClientListForm(params, leads=leads)
    filters = form.filters()
    sort = form.value("sort") or "name"
    page = selectors.client_page(
        firm=firm,
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
            entry["url"] = _list_url(slug, {**state, "sort": new_sort})
        headers.append(entry)
    hidden = [k for k in selectors.DEFAULT_COLUMNS if k not in columns]
    context = {
        "page": page,
        "rows": page.rows,
        "csrf_input": _csrf_input(request),
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
        "list_url": _list_url(slug, state),
        "current_url": request.get_full_path()
        if request.resolver_match.url_name == "list"
        else _list_url(slug, state),
        "first_url": _list_url(slug, state) if page.has_previous else None,
        "previous_url": _list_url(slug, {**state, "before": page.previous_cursor})
        if page.previous_cursor
        else None,
        "next_url": _list_url(slug, {**state, "after": page.next_cursor})
        if page.next_cursor
        else None,
        "last_url": _list_url(slug, {**state, "last": "1"}) if page.has_next else None,
        "export_url": reverse("clients:export", kwargs={"firm_slug": slug})
        + (f"?{urlencode(state)}" if state else ""),
        "include_inactive_url": _list_url(slug, {**state, "inactive": "1"}),
        "clear_url": _list_url(slug, {"sort": state["sort"]} if "sort" in state else None),
        "can_delete": membership.is_primary_admin,
        "client_types": Client._meta.get_field("client_type").choices,
        "bulk_actions": [
            ("assign_lead", _("Assign a lead accountant")),
            ("make_inactive", _("Make inactive")),
            ("make_active", _("Make active")),
            ("export", _("Export the selection (CSV)")),
        ],
    }
    rows.RowRenderer(
        firm_slug=slug,
        columns=columns,
        csrf_input=context["csrf_input"],
        can_delete=context["can_delete"],
        current_url=context["current_url"],
    ).decorate(page.rows)
    if page.total == 0:
        context["firm_has_clients"] = selectors.firm_has_clients(firm=firm)
    return context


def client_list(request, firm_slug):
    """The client list (R8): filters, search, sort and page all live in the URL."""
    context = _list_context(request, request.GET)
    if _htmx_partial(request) and request.htmx.target == "client-results":
        return render(request, "clients/list.html#results", context)
    return render(request, "clients/list.html", context)


@require_POST
def client_columns(request, firm_slug):
    """Save the column chooser (R8): shown columns, in the order given."""
    known = selectors.COLUMNS
    order = [k for k in request.POST.getlist("order") if k in known]
    order += [k for k in selectors.DEFAULT_COLUMNS if k not in order]
    shown = set(request.POST.getlist("shown")) | selectors.REQUIRED_COLUMNS
    move = request.POST.get("move", "")
    if ":" in move:
        key, direction = move.split(":", 1)
        if key in order:
            i = order.index(key)
            j = i - 1 if direction == "up" else i + 1
            if 0 <= j < len(order):
                order[i], order[j] = order[j], order[i]
    columns = selectors.clean_columns([k for k in order if k in shown])
    services.client_list_columns_save(
        firm=request.firm, membership=request.membership, columns=columns
    )
    query = request.POST.get("query", "")
    if _htmx_partial(request):
        context = _list_context(request, QueryDict(query))
        context["chooser_open"] = True
        html = render_to_string("clients/list.html#results", context, request=request)
        context["oob"] = True
        html += render_to_string("clients/list.html#column_chooser", context, request=request)
        return HttpResponse(html)
    return redirect(_list_url(firm_slug) + (f"?{query}" if query else ""))


@require_POST
def client_bulk(request, firm_slug):
    """Bulk actions on selected rows: lead accountant, status, export."""
    firm, membership = request.firm, request.membership
    form = BulkActionForm(request.POST, firm=firm)
    back = _safe_next(request, firm_slug)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action, ids = form.cleaned_data["action"], form.cleaned_data["ids"]
    if action == "export":
        filters = selectors.ClientFilters(include_inactive=True, ids=ids)
        return _csv_response(request, filters=filters, sort="name")
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
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(
            request,
            ngettext("%(count)d client updated.", "%(count)d clients updated.", count)
            % {"count": count},
        )
    return redirect(back)


# Export ----------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _csv_response(request, *, filters, sort: str) -> StreamingHttpResponse:
    """Stream the clients as CSV (R25): the R25 headers in the user's language,
    then the other columns; every cell defused against formula injection.

    The body is produced after the view (and the tenant gate) returned, so the
    generator re-enters the firm's scope itself. Labels are resolved now, while
    the request's language is active."""
    firm = request.firm
    language = (get_language() or "en")[:2]
    headers = list(EXPORT_HEADERS.get(language, EXPORT_HEADERS["en"]))
    headers += [str(label) for _name, label in selectors.EXPORT_EXTRA_COLUMNS]
    labels = {
        selectors.EXPORT_FIELDS.index(name): {value: str(label) for value, label in enum.choices}
        for name, enum in selectors.CHOICE_FIELDS.items()
    }

    def content():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow([escape_cell(h) for h in headers])
        with firm_scope(firm):
            batch = []
            for values in selectors.client_export_values(firm=firm, filters=filters, sort=sort):
                row = list(values)
                for index, mapping in labels.items():
                    row[index] = mapping.get(row[index], row[index])
                batch.append(writer.writerow([escape_cell(v) for v in row]))
                if len(batch) >= 1000:
                    yield "".join(batch)
                    batch = []
            if batch:
                yield "".join(batch)

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="clients-{firm.slug}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


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
        try:
            client = services.client_create(
                firm=firm,
                by=request.membership,
                billing=form.cleaned_data["billing"],
                plan_code=form.cleaned_data.get("plan_code") or "",
                **form.service_fields(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(client)s was added.") % {"client": client})
            if "add_another" in request.POST:
                return redirect("clients:add", firm_slug=firm_slug)
            return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    context = {
        "form": form,
        "compare_url": _compare_plans_url(firm_slug),
        "wholesale": BillingChoice.WHOLESALE,
    }
    return render(request, "clients/add.html", context, status=400 if form.errors else 200)


# One client ------------------------------------------------------------------


def _client(request, client_id) -> Client:
    return get_in_firm_or_404(
        Client.objects.select_related("lead_accountant__user"), firm=request.firm, pk=client_id
    )


def _csrf_input(request):
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


def _row_context(request, client: Client, firm_slug: str) -> dict:
    columns = selectors.client_list_columns(firm=request.firm, membership=request.membership)
    context = {
        "client": client,
        "csrf_input": _csrf_input(request),
        "columns": columns,
        "colspan": len(columns) + 2,
        "can_delete": request.membership.is_primary_admin,
        "current_url": _row_list_url(request, firm_slug),
    }
    rows.RowRenderer(
        firm_slug=firm_slug,
        columns=columns,
        csrf_input=context["csrf_input"],
        can_delete=context["can_delete"],
        current_url=context["current_url"],
    ).decorate([client])
    return context


def client_row(request, firm_slug, client_id):
    """One list row (htmx: cancel an inline edit); without JS, the profile."""
    client = _client(request, client_id)
    if not _htmx_partial(request):
        return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    return render(request, "clients/list.html#row", _row_context(request, client, firm_slug))


def client_edit(request, firm_slug, client_id):
    """Edit (R10): inline in the list row with htmx, or as a page. A concurrent
    edit is refused with a message; the form then shows the saved values."""
    client = _client(request, client_id)
    inline = _htmx_partial(request) and request.htmx.target == f"client-row-{client.pk}"
    form_class = ClientInlineForm if inline else ClientForm
    prefix = f"row{client.pk}" if inline else None
    form = form_class(request.POST or None, instance=client, firm=request.firm, prefix=prefix)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_update(
                firm=request.firm,
                client=client,
                by=request.membership,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except services.ClientConflict as exc:
            conflict = exc.messages[0]
            client = _client(request, client_id)
            form = form_class(instance=client, firm=request.firm, prefix=prefix)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if inline:
                return render(
                    request, "clients/list.html#row", _row_context(request, client, firm_slug)
                )
            messages.success(request, _("Changes to %(client)s were saved.") % {"client": client})
            return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    status = 409 if conflict else (400 if form.errors else 200)
    if inline:
        context = _row_context(request, client, firm_slug)
        context.update(form=form, conflict=conflict)
        return render(request, "clients/list.html#edit_row", context, status=status)
    return render(
        request,
        "clients/edit.html",
        {"client": client, "form": form, "conflict": conflict},
        status=status,
    )


@require_POST
def client_status(request, firm_slug, client_id):
    """Make inactive / make active (R11)."""
    client = _client(request, client_id)
    status = request.POST.get("status")
    if status not in ClientStatus.values:
        messages.error(request, _("Unknown status."))
        return redirect(_safe_next(request, firm_slug))
    client = services.client_set_status(
        firm=request.firm, client=client, by=request.membership, status=status
    )
    client = _client(request, client_id)
    if _htmx_partial(request) and request.htmx.target == f"client-row-{client.pk}":
        return render(request, "clients/list.html#row", _row_context(request, client, firm_slug))
    if status == ClientStatus.INACTIVE:
        messages.success(
            request,
            _("%(client)s is now inactive. Its subscriptions are unchanged.") % {"client": client},
        )
    else:
        messages.success(request, _("%(client)s is active again.") % {"client": client})
    target = request.POST.get("next", "")
    if target == "profile":
        return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    return redirect(_safe_next(request, firm_slug))


def client_delete(request, firm_slug, client_id):
    """Delete permanently (R12), after a confirmation. The primary admin only:
    the object is looked up first so other firms get 404, then other roles 403."""
    client = _client(request, client_id)
    if not request.membership.is_primary_admin:
        raise PermissionDenied(_("Only the firm's primary admin can delete a client."))
    blockers = services.client_delete_blockers(client=client)
    if request.method == "POST":
        try:
            services.client_delete(firm=request.firm, client=client, by=request.membership)
        except ValidationError as exc:
            blockers = exc.messages
        else:
            messages.success(
                request, _("%(client)s was deleted permanently.") % {"client": client.display_name}
            )
            return redirect(_safe_next(request, firm_slug))
    return render(
        request,
        "clients/delete.html",
        {"client": client, "blockers": blockers, "next": _safe_next(request, firm_slug)},
        status=400 if blockers and request.method == "POST" else 200,
    )


def _products_template() -> str | None:
    try:
        get_template("subscriptions/_client_products.html")
    except TemplateDoesNotExist:
        return None
    return "subscriptions/_client_products.html"


def client_detail(request, firm_slug, client_id):
    """The client profile (R9): overview, products, documents, tax return, history."""
    client = _client(request, client_id)
    tab = request.GET.get("tab", "overview")
    if tab not in PROFILE_TABS:
        tab = "overview"
    context = {
        "client": client,
        "tab": tab,
        "tabs": _tabs(),
        "can_delete": request.membership.is_primary_admin,
        "wholesale_offer": _wholesale_offer(client),
    }
    if tab == "products":
        from subscriptions.selectors import client_products

        context["products"] = client_products(client=client)
        context["products_template"] = _products_template()
    elif tab == "tax":
        context["tax_form"] = ClientTaxForm(instance=client, firm=request.firm)
    elif tab == "team":
        context.update(_team_tab_context(client))
    elif tab == "history":
        from practice.activity import describe

        events = selectors.client_history(firm=request.firm, client_id=client.pk)
        for event in events:
            if isinstance(event, ActivityEvent):
                event.sentence = describe(event)
        context["events"] = [(event, selectors.readable_changes(event)) for event in events]
    if _htmx_partial(request) and request.htmx.target == "client-tab":
        return render(request, "clients/detail.html#tab_panel", context)
    return render(request, "clients/detail.html", context)


def _tabs():
    return [
        ("overview", _("Overview & contact")),
        ("products", _("Products")),
        ("team", _("Team")),
        ("documents", _("Documents")),
        ("tax", _("Tax return")),
        ("history", _("History")),
    ]


@require_POST
def client_tax(request, firm_slug, client_id):
    """Edit the two tax statuses from the profile's tax-return tab."""
    client = _client(request, client_id)
    form = ClientTaxForm(request.POST, instance=client, firm=request.firm)
    conflict = None
    if form.is_valid():
        try:
            client = services.client_update(
                firm=request.firm,
                client=client,
                by=request.membership,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except services.ClientConflict as exc:
            conflict = exc.messages[0]
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Tax return information saved."))
            return redirect(
                reverse("clients:detail", kwargs={"firm_slug": firm_slug, "client_id": client.pk})
                + "?tab=tax"
            )
    client = _client(request, client_id)
    if conflict:
        form = ClientTaxForm(instance=client, firm=request.firm)
    context = {
        "client": client,
        "tab": "tax",
        "tabs": _tabs(),
        "tax_form": form,
        "conflict": conflict,
        "can_delete": request.membership.is_primary_admin,
    }
    return render(request, "clients/detail.html", context, status=409 if conflict else 400)


# The client company's team (the Team tab) ---------------------------------------


def _wholesale_offer(client: Client):
    """The last day the firm may still put a transferred-in client on wholesale (R22)."""
    until = client.wholesale_offer_until
    return until if until is not None and clock.today() <= until else None


def _team_tab_context(client: Client, form=None) -> dict:
    from clients.company_forms import CompanyMemberForm, CompanyRoleForm
    from clients.company_selectors import company_members

    members = (
        list(company_members(company=client.company_account)) if client.company_account_id else []
    )
    return {
        "members": members,
        "member_form": form or CompanyMemberForm(),
        "role_form": CompanyRoleForm(),
    }


def _team_url(firm_slug: str, client: Client) -> str:
    return (
        reverse("clients:detail", kwargs={"firm_slug": firm_slug, "client_id": client.pk})
        + "?tab=team"
    )


def _company_member(client: Client, member_id):
    """A person of the client's company: 404 unless they belong to it."""
    from clients.models import CompanyMember

    member = None
    if client.company_account_id:
        member = CompanyMember.objects.filter(
            company=client.company_account_id, pk=member_id
        ).first()
    if member is None:
        raise Http404("No such person.")
    return member


@require_POST
def client_team_add(request, firm_slug, client_id):
    from clients import company_services
    from clients.company_forms import CompanyMemberForm

    client = _client(request, client_id)
    form = CompanyMemberForm(request.POST)
    if form.is_valid():
        company = company_services.company_for_client(client=client)
        try:
            member = company_services.company_member_add(
                company=company,
                client=client,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.membership,
            )
            if form.cleaned_data["portal_access"]:
                company_services.company_member_invite_portal(
                    company=company, member=member, client=client, by=request.membership
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(person)s was added.") % {"person": member})
            return redirect(_team_url(firm_slug, client))
    context = {
        "client": client,
        "tab": "team",
        "tabs": _tabs(),
        "can_delete": request.membership.is_primary_admin,
        "wholesale_offer": _wholesale_offer(client),
        **_team_tab_context(client, form),
    }
    return render(request, "clients/detail.html", context, status=400)


def client_team_edit(request, firm_slug, client_id, member_id):
    from clients import company_services
    from clients.company_forms import CompanyMemberEditForm

    client = _client(request, client_id)
    member = _company_member(client, member_id)
    form = CompanyMemberEditForm(
        request.POST or None,
        member=member,
        initial={"full_name": member.full_name, "role": member.role},
    )
    if request.method == "POST" and form.is_valid():
        try:
            company_services.company_member_update(
                company=client.company_account,
                client=client,
                member=member,
                by=request.membership,
                full_name=form.cleaned_data["full_name"],
                role=None if member.is_primary_admin else form.cleaned_data["role"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(person)s were saved.") % {"person": member})
            return redirect(_team_url(firm_slug, client))
    return render(
        request,
        "clients/team_member_edit.html",
        {"client": client, "member": member, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def client_team_role(request, firm_slug, client_id, member_id):
    from clients import company_services
    from clients.company_forms import CompanyRoleForm

    client = _client(request, client_id)
    member = _company_member(client, member_id)
    form = CompanyRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin, standard or time tracking."))
    else:
        try:
            company_services.company_member_update(
                company=client.company_account,
                client=client,
                member=member,
                by=request.membership,
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("The role of %(person)s was changed.") % {"person": member})
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
    return redirect(_team_url(firm_slug, client))


@require_POST
def client_team_active(request, firm_slug, client_id, member_id):
    from clients import company_services

    client = _client(request, client_id)
    member = _company_member(client, member_id)
    active = request.POST.get("active") == "1"
    try:
        company_services.company_member_set_active(
            company=client.company_account,
            client=client,
            member=member,
            active=active,
            by=request.membership,
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        if active:
            messages.success(request, _("%(person)s is active again.") % {"person": member})
        else:
            messages.success(request, _("%(person)s was deactivated.") % {"person": member})
    return redirect(_team_url(firm_slug, client))


@require_POST
def client_team_invite(request, firm_slug, client_id, member_id):
    from clients import company_services

    client = _client(request, client_id)
    member = _company_member(client, member_id)
    try:
        company_services.company_member_invite_portal(
            company=client.company_account,
            client=client,
            member=member,
            by=request.membership,
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(
            request, _("A link to the portal was sent to %(email)s.") % {"email": member.email}
        )
    return redirect(_team_url(firm_slug, client))


def client_wholesale_after_transfer(request, firm_slug, client_id):
    """R22: within 60 days of leaving its previous firm's wholesale billing, a client
    that transferred in may be put on this firm's wholesale billing (admins, R2)."""
    from subscriptions.models import Product, ProductKind
    from subscriptions.selectors import client_can_subscribe
    from subscriptions.services import subscription_start_wholesale_after_transfer

    client = _client(request, client_id)
    if not request.membership.is_admin:
        raise PermissionDenied(_("Only the firm's admins can do this."))
    offer = _wholesale_offer(client)
    needs_plan = client_can_subscribe(client=client)
    plans = list(
        Product.objects.filter(kind=ProductKind.PLAN, is_active=True).order_by("sort_order", "name")
    )
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
            return redirect(
                reverse("clients:detail", kwargs={"firm_slug": firm_slug, "client_id": client.pk})
                + "?tab=products"
            )
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
