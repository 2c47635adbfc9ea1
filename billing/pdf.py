"""The statement as a PDF (R36): the document a firm files, rendered by WeasyPrint
from the same lines, parts and summary as the page and the CSV, in one language,
with its fonts embedded (WeasyPrint embeds the subset of DejaVu Sans it uses).
Rendered once per language and kept (StatementPdf)."""

import weasyprint
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.documents import client_blocks, statement_lines_with_parts, statement_summary
from billing.models import Statement, StatementPdf


def statement_pdf_context(*, statement: Statement) -> dict:
    """What the PDF template is rendered from (tests compare it with the page)."""
    return {
        "statement": statement,
        "firm": statement.firm,
        "summary": statement_summary(statement=statement),
        "totals": list(statement.totals.all()),
        "blocks": client_blocks(statement_lines_with_parts(statement=statement)),
    }


def statement_pdf_bytes(*, statement: Statement, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(
            "billing/statement_pdf.html",
            {**statement_pdf_context(statement=statement), "language": language},
        )
    return weasyprint.HTML(string=html).write_pdf()


def statement_pdf_get(*, statement: Statement, language: str) -> StatementPdf | None:
    return StatementPdf.objects.filter(
        firm=statement.firm_id, statement=statement, language=language
    ).first()


def statement_pdf_pending(*, statement: Statement, language: str) -> StatementPdf:
    """The row that a background rendering fills in (created once)."""
    try:
        with transaction.atomic():
            pdf, _created = StatementPdf.objects.get_or_create(
                firm_id=statement.firm_id, statement=statement, language=language
            )
    except IntegrityError:
        pdf = statement_pdf_get(statement=statement, language=language)
    return pdf


def statement_pdf_render(*, statement: Statement, language: str) -> StatementPdf:
    """Render and keep the PDF; a PDF already rendered is returned as it is."""
    pdf = statement_pdf_pending(statement=statement, language=language)
    if pdf.content is not None:
        return pdf
    try:
        content = statement_pdf_bytes(statement=statement, language=language)
    except Exception as exc:  # a rendering failure is shown, not retried forever
        StatementPdf.objects.filter(firm=statement.firm_id, pk=pdf.pk).update(error=str(exc)[:500])
        raise
    StatementPdf.objects.filter(firm=statement.firm_id, pk=pdf.pk, content__isnull=True).update(
        content=content, error="", rendered_at=timezone.now()
    )
    return statement_pdf_get(statement=statement, language=language)
