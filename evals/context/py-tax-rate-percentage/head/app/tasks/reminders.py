import logging
from datetime import date

from app.config import settings
from app.repositories.invoices import list_overdue

log = logging.getLogger(__name__)


def send_overdue_reminders(mailer) -> int:
    overdue = list_overdue(date.today(), limit=settings.reminder_batch)
    for invoice in overdue:
        mailer.send(invoice.customer_id, f"Invoice #{invoice.id} is overdue")
    if len(overdue) == settings.reminder_batch:
        log.warning("reminder batch full; more overdue invoices wait for the next run")
    return len(overdue)
