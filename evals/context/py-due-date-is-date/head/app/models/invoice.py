from dataclasses import dataclass
from datetime import date, datetime


@dataclass
class Invoice:
    id: int
    customer_id: int
    amount_cents: int
    due_date: date
    paid_at: datetime | None = None

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None
