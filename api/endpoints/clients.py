"""Clients (R4–R12): the list with the list page's filters, search and sort,
one client, add, edit with If-Match, make inactive / active, delete."""

import re

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from api.cursors import cursor_dump, cursor_load
from api.problems import ApiProblem, invalid, service_errors
from api.responses import iso_datetime, json_response
from api.schemas.clients import (
    ClientCreate,
    ClientListQuery,
    ClientOut,
    ClientPageOut,
    ClientUpdate,
)
from clients import access, selectors, services
from clients.models import BillingChoice, Client, ClientStatus, last_change
from practice import selectors as practice_selectors
from subscriptions.selectors import plan_choices_for_new_client

router = Router()


# The list reads these columns, not model instances (see client_page).
ROW_FIELDS = (
    "id",
    "company_id",
    "client_number",
    "client_type",
    "display_name",
    "company_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "notes",
    "lead_accountant_id",
    "lead_accountant__user__full_name",
    "lead_accountant__user__email",
    "status",
    "firm_is_primary_admin",
    "tax_preparation_status",
    "tax_return_status",
    "billing",
    "products_summary",
    "wholesale_offer_until",
    "version",
    "number_version",
    "created_at",
    "updated_at",
    "number_updated_at",
)


def row_data(row: dict) -> dict:
    """A list row as the API shows a client (the same members as client_data)."""
    lead, offer = None, row["wholesale_offer_until"]
    if row["lead_accountant_id"] is not None:
        lead = row["lead_accountant__user__full_name"] or row["lead_accountant__user__email"]
    return {
        "id": row["id"],
        "company_id": row["company_id"],
        "client_number": row["client_number"],
        "client_type": row["client_type"],
        "display_name": row["display_name"],
        "company_name": row["company_name"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row["email"],
        "phone": row["phone"],
        "address": row["address"],
        "notes": row["notes"],
        "lead_accountant_id": row["lead_accountant_id"],
        "lead_accountant_name": lead,
        "status": row["status"],
        "firm_is_primary_admin": row["firm_is_primary_admin"],
        "tax_preparation_status": row["tax_preparation_status"],
        "tax_return_status": row["tax_return_status"],
        "billing": row["billing"],
        "products": row["products_summary"],
        "wholesale_offer_until": offer.isoformat() if offer else None,
        # The client's revision and last change, its number's own included.
        "version": row["version"] + (row["number_version"] or 0),
        "created_at": iso_datetime(row["created_at"]),
        "updated_at": iso_datetime(last_change(row["updated_at"], row["number_updated_at"])),
    }


def client_data(client: Client) -> dict:
    lead = client.lead_accountant if client.lead_accountant_id else None
    return {
        "id": client.pk,
        "company_id": client.company_id,
        "client_number": client.client_number,
        "client_type": client.client_type,
        "display_name": client.display_name,
        "company_name": client.company_name,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "notes": client.notes,
        "lead_accountant_id": client.lead_accountant_id,
        "lead_accountant_name": str(lead.user) if lead is not None else None,
        "status": client.status,
        "firm_is_primary_admin": client.firm_is_primary_admin,
        "tax_preparation_status": client.tax_preparation_status,
        "tax_return_status": client.tax_return_status,
        "billing": client.billing,
        "products": client.products_summary,
        "wholesale_offer_until": client.wholesale_offer_until,
        "version": client.revision,
        "created_at": client.created_at,
        "updated_at": client.changed_at,
    }


def _tagged(response: HttpResponse, client: Client) -> dict:
    response["ETag"] = f'"{client.revision}"'
    return client_data(client)


def _lead(request, lead_id):
    """The lead accountant a body names: a member of the firm, or 422."""
    if lead_id is None:
        return None
    try:
        return practice_selectors.access_member_by_id(firm=request.firm, membership_id=lead_id)
    except Http404:
        raise invalid(
            ["body", "lead_accountant_id"], _("Choose an active member of the firm's team.")
        ) from None


def _refused(exc: ValidationError, renames: dict | None = None):
    errors = service_errors(exc)
    for error in errors:
        error["loc"] = [(renames or {}).get(part, part) for part in error["loc"]]
    return ApiProblem(422, code="invalid", errors=errors)


def _service_fields(request, data: dict) -> dict:
    if "lead_accountant_id" in data:
        data["lead_accountant"] = _lead(request, data.pop("lead_accountant_id"))
    return data


RENAMES = {"lead_accountant": "lead_accountant_id", "initial_plan_code": "plan_code"}


@router.get("", response=ClientPageOut, summary="List clients")
def client_list(request, query: Query[ClientListQuery]):
    """The clients the token's member reaches (R30, R31), with the list page's
    filters, search and sort; active clients only unless `inactive=true`."""
    q, lead = query.q or "", query.lead or ""
    if lead and lead != "none":
        leads = {str(m.pk) for m in selectors.lead_accountant_choices(firm=request.firm)}
        if lead not in leads:
            raise invalid(
                ["query", "lead"], _("Choose an active member of the firm's team, or none.")
            )
    filters = selectors.ClientFilters(
        q=q,
        client_type=query.type or "",
        lead=lead,
        include_inactive=query.inactive,
    )
    state = {"q": q, "t": query.type or "", "l": lead, "i": query.inactive, "s": query.sort}
    after = cursor_load(query.cursor, query=state) if query.cursor else ""
    page = selectors.client_page(
        membership=request.membership,
        filters=filters,
        sort=query.sort,
        after=after,
        size=query.limit,
        count=False,
        values=ROW_FIELDS,
    )
    following = page.next_cursor
    # Written out directly: checking 100 rows against the schema again on every
    # page would cost more than reading them (the schema is checked by the tests).
    return json_response(
        request,
        {
            "items": [row_data(row) for row in page.rows],
            "next_cursor": cursor_dump(query=state, position=following) if following else None,
        },
    )


@router.get("/{int:client_id}", response=ClientOut, summary="Get a client")
def client_get(request, client_id: int, response: HttpResponse):
    """One client, with its version as ETag. 404 alike for a missing client,
    another firm's, and one the member may not reach."""
    client = access.access_client_by_id(membership=request.membership, client_id=client_id)
    return _tagged(response, client)


@router.post("", response={201: ClientOut}, summary="Add a client")
def client_create(request, body: ClientCreate, response: HttpResponse):
    """Add a client (R4) with its subscription choice: wholesale only now (R5)."""
    data = body.model_dump()
    billing, plan_code = data.pop("billing"), data.pop("plan_code").strip()
    if (
        billing != BillingChoice.NONE
        and not plan_code
        and plan_choices_for_new_client(firm=request.firm)
    ):
        raise invalid(
            ["body", "plan_code"], _("Choose the plan the client subscribes to."), "missing"
        )
    fields = _service_fields(request, data)
    try:
        client = services.client_create(
            firm=request.firm,
            by=request.membership,
            billing=billing,
            plan_code=plan_code if billing != BillingChoice.NONE else "",
            **fields,
        )
    except ValidationError as exc:
        raise _refused(exc, RENAMES) from None
    # The new client as saved, subscription choice applied (a restricted member
    # who does not lead it may not reach it afterwards, but sees what they created).
    client.refresh_from_db()
    response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{client.pk}")
    return Status(201, _tagged(response, client))


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def _if_match(value: str | None) -> int:
    if not value:
        raise ApiProblem(
            428,
            _("Send If-Match with the client's version (its ETag) to change it."),
            code="version_required",
        )
    match = _ETAG.match(value)
    if match is None:
        raise ApiProblem(412, _("If-Match does not name a version of this client."))
    return int(match.group(1))


@router.patch(
    "/{int:client_id}",
    response=ClientOut,
    summary="Edit a client",
    openapi_extra={"x-problems": [412, 428]},
)
def client_update(
    request,
    client_id: int,
    body: ClientUpdate,
    response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match"),
):
    """Change the members sent (R10). If-Match must carry the version read; when
    the client changed since, nothing is saved and the answer is 412."""
    client = access.access_client_by_id(membership=request.membership, client_id=client_id)
    version = _if_match(if_match)
    data = body.model_dump(exclude_unset=True)
    nullable = {"client_number", "lead_accountant_id"}
    nulls = [name for name, value in data.items() if value is None and name not in nullable]
    if nulls:
        raise ApiProblem(
            422,
            code="invalid",
            errors=[
                {"loc": ["body", name], "message": _("This field can't be null."), "type": "null"}
                for name in nulls
            ],
        )
    fields = _service_fields(request, data)
    try:
        client = services.client_update(
            firm=request.firm, client=client, by=request.membership, version=version, **fields
        )
    except services.ClientConflict:
        current = access.access_client_by_id(membership=request.membership, client_id=client_id)
        raise ApiProblem(
            412,
            _(
                "The client changed after version %(sent)s: it is at version %(current)s. "
                "Nothing was saved. Read it again and apply your changes to that version."
            )
            % {"sent": version, "current": current.revision},
            code="version_conflict",
            current_version=current.revision,
        ) from None
    except ValidationError as exc:
        raise _refused(exc, RENAMES) from None
    return _tagged(response, client)


def _set_status(request, client_id: int, status: str, response: HttpResponse) -> dict:
    client = access.access_client_by_id(membership=request.membership, client_id=client_id)
    client = services.client_set_status(
        firm=request.firm, client=client, by=request.membership, status=status
    )
    return _tagged(response, client)


@router.post("/{int:client_id}/make-inactive", response=ClientOut, summary="Make a client inactive")
def client_make_inactive(request, client_id: int, response: HttpResponse):
    """The client keeps its data and its subscriptions, wholesale included (R11)."""
    return _set_status(request, client_id, ClientStatus.INACTIVE, response)


@router.post("/{int:client_id}/make-active", response=ClientOut, summary="Make a client active")
def client_make_active(request, client_id: int, response: HttpResponse):
    return _set_status(request, client_id, ClientStatus.ACTIVE, response)


@router.delete("/{int:client_id}", response={204: None}, summary="Delete a client permanently")
def client_delete(request, client_id: int):
    """The primary admin only (403 otherwise), once the client no longer has the
    firm as its primary admin and is off wholesale billing (R12): otherwise 409,
    with each unmet condition and how to meet it in `conditions`."""
    client = access.access_client_by_id(membership=request.membership, client_id=client_id)
    try:
        services.client_delete(firm=request.firm, client=client, by=request.membership)
    except ValidationError as exc:
        raise ApiProblem(
            409,
            _("The client can't be deleted yet."),
            code="delete_blocked",
            conditions=exc.messages,
        ) from None
    return Status(204, None)
