"""Asking for a statement's PDF: small statements are rendered in the request,
larger ones by a background task while the page waits (R36)."""

import logging

from django.conf import settings
from django.db import transaction

from billing import tasks
from billing.models import Statement, StatementPdf
from billing.pdf import statement_pdf_get, statement_pdf_pending, statement_pdf_render

logger = logging.getLogger(__name__)


def statement_pdf_request(
    *, statement: Statement, language: str, retry: bool = True
) -> StatementPdf:
    """The statement's PDF in `language`: rendered (content set), being rendered in
    the background (content None), or failed (error set). Asking again (`retry`)
    renders a failed one again and queues a pending one again (its worker may have
    died; rendering twice keeps the first PDF); the waiting page's polls only read
    (`retry=False`), so that a failure is shown instead of rendered every 2 s."""
    pdf = statement_pdf_get(statement=statement, language=language)
    if pdf is not None and (pdf.content is not None or not retry):
        return pdf
    if statement.line_count <= settings.STATEMENT_PDF_SYNC_LINES:
        try:
            return statement_pdf_render(statement=statement, language=language)
        except Exception:  # recorded on the row, which the page shows
            logger.exception("Statement %s: the PDF could not be rendered.", statement.pk)
            return statement_pdf_get(statement=statement, language=language)
    pdf = statement_pdf_pending(statement=statement, language=language)
    if pdf.error:
        StatementPdf.objects.filter(firm=statement.firm_id, pk=pdf.pk).update(error="")
        pdf.error = ""
    firm_id, pk = statement.firm_id, statement.pk
    transaction.on_commit(lambda: tasks.statement_pdf_render.delay(firm_id, pk, language))
    return pdf
