"""The customer's copy of an agreement as a PDF (AGR-10: attached to EM203).

Rendered with WeasyPrint (`smt.lib.pdf`) from the same context as the emails, so the copy says
exactly what the customer was asked to accept, with the ESIID masked (NTF-4). Rendering takes
a second and real memory, so it happens in the worker (`agreements.tasks`), never inside the
accepting request or its transaction. The copies are stored under COPY_FOLDER in the default
storage, which no URL serves: they reach the customer only attached to EM203.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from notifications.services import Attachment
from smt.lib.pdf import pdf_from_html

from .models import Agreement

COPY_FOLDER = "agreements/copies"  # AGR-10: the copies attached to EM203, in the storage
COPY_TEMPLATE = "agreements/customer/agreement_pdf.html"
PDF_MIMETYPE = "application/pdf"


def agreement_pdf(*, context: dict, language: str) -> bytes:
    """AGR-10: the agreement as a PDF in the customer's language."""
    with translation.override(language):
        html = render_to_string(COPY_TEMPLATE, {**context, "LANGUAGE_CODE": language})
    return pdf_from_html(html)


def agreement_copy_save(*, agreement: Agreement, context: dict, language: str) -> Attachment:
    """Write the copy to the default storage; the email carries a reference to it, read
    when the worker sends the email (NTF-3)."""
    filename = f"agreement-{agreement.agreement_number}.pdf"
    path = default_storage.save(
        f"{COPY_FOLDER}/{filename}", ContentFile(agreement_pdf(context=context, language=language))
    )
    return Attachment(path=path, filename=filename, mimetype=PDF_MIMETYPE)


def agreement_copy_delete(*, copy: Attachment) -> None:
    """Remove a copy nothing refers to (a twin run of the EM203 task recorded its own)."""
    default_storage.delete(copy.path)
