from datetime import date, datetime, timedelta

from app.config import settings
from app.db import execute
from app.models.customer import Customer
from app.models.invoice import Invoice
from app.repositories.invoices import get_invoice, insert_invoice


def create_invoice(customer: Customer, amount_cents: int, due_in_days: int | None = None) -> Invoice:
    days = settings.default_due_days if due_in_days is None else due_in_days
    due = date.today() + timedelta(days=days)
    invoice_id = insert_invoice(customer.id, amount_cents, due)
    return Invoice(id=invoice_id, customer_id=customer.id, amount_cents=amount_cents, due_date=due)


def mark_paid(invoice_id: int, paid_at: datetime) -> bool:
    return execute("update invoices set paid_at = %s where id = %s and paid_at is null", (paid_at, invoice_id)) == 1


def invoice_summary(invoice_id: int) -> str:
    invoice = get_invoice(invoice_id)
    if invoice is None:
        return "unknown invoice"
    return f"#{invoice.id}: {invoice.amount_cents / 100:.2f} due {invoice.due_date.isoformat()}"
