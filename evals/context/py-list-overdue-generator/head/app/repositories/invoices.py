from collections.abc import Iterator
from datetime import date

from app.db import fetch_all, fetch_one
from app.models.invoice import Invoice


def get_invoice(invoice_id: int) -> Invoice | None:
    """The invoice, or None when there is no such id."""
    row = fetch_one("select * from invoices where id = %s", (invoice_id,))
    return Invoice(**row) if row else None


def insert_invoice(customer_id: int, amount_cents: int, due: date) -> int:
    row = fetch_one(
        "insert into invoices (customer_id, amount_cents, due_date) values (%s, %s, %s) returning id",
        (customer_id, amount_cents, due),
    )
    return row["id"]


def list_overdue(today: date, limit: int = 100) -> Iterator[Invoice]:
    rows = fetch_all(
        "select * from invoices where paid_at is null and due_date < %s order by due_date limit %s",
        (today, limit),
    )
    for row in rows:
        yield Invoice(**row)
