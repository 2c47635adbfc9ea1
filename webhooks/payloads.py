"""The `data` of each event: the object's fields as JSON (codes, not labels; dates
and times in ISO 8601; money as decimal strings)."""


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value) -> str | None:
    return str(value) if value is not None else None


def client(client, *, changed: list[str] | None = None) -> dict:
    lead = client.lead_accountant
    data = {
        "id": client.pk,
        "company_id": client.company_id,
        "client_number": client.client_number,
        "display_name": client.display_name,
        "client_type": client.client_type,
        "company_name": client.company_name,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "notes": client.notes,
        "status": client.status,
        "lead_accountant": (
            {"id": lead.pk, "name": lead.user.full_name, "email": lead.user.email}
            if lead is not None
            else None
        ),
        "firm_is_primary_admin": client.firm_is_primary_admin,
        "tax_preparation_status": client.tax_preparation_status,
        "tax_return_status": client.tax_return_status,
        "billing": client.billing,
        "products": client.products_summary,
        "version": client.revision,
        "created_at": _iso(client.created_at),
        "updated_at": _iso(client.changed_at),
    }
    if changed is not None:
        data["changed_fields"] = list(changed)
    return data


def client_deleted(client) -> dict:
    return {
        "id": client.pk,
        "company_id": client.company_id,
        "client_number": client.client_number,
        "display_name": client.display_name,
    }


def import_job(job) -> dict:
    return {
        "id": job.pk,
        "mode": job.mode,
        "status": job.status,
        "failure_code": job.failure_code or None,
        "file_name": job.original_filename,
        "rows": job.total_rows,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "failed": job.failed_count,
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
    }


def subscription(subscription, *, change: str) -> dict:
    product = subscription.product
    client = subscription.client
    return {
        "id": subscription.pk,
        "change": change,
        "client": {
            "id": client.pk,
            "company_id": client.company_id,
            "client_number": client.client_number,
            "display_name": client.display_name,
        },
        "product": {"code": product.code, "name": product.name, "kind": product.kind},
        "parent_id": subscription.parent_id,
        "billing": subscription.billing,
        "status": subscription.status,
        "currency": subscription.currency,
        "discount_rate": _money(subscription.discount_rate),
        "discount_until": _iso(subscription.discount_until),
        "start_date": _iso(subscription.start_date),
        "ended_on": _iso(subscription.ended_on),
    }


def statement(statement) -> dict:
    return {
        "id": statement.pk,
        "month": statement.month.strftime("%Y-%m"),
        "issued_at": _iso(statement.issued_at),
        "line_count": statement.line_count,
        "totals": [
            {
                "currency": total.currency,
                "list_amount": _money(total.list_amount),
                "discount_amount": _money(total.discount_amount),
                "net_amount": _money(total.net_amount),
                "line_count": total.line_count,
            }
            for total in statement.totals.order_by("currency")
        ],
    }


def test_event(endpoint) -> dict:
    return {
        "endpoint_id": endpoint.pk,
        "url": endpoint.url,
        "message": "A test event sent from the endpoint's page.",
    }
