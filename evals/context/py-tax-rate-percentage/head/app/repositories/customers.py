from app.db import fetch_one
from app.models.customer import Customer


def get_customer(customer_id: int) -> Customer | None:
    row = fetch_one("select id, email, country, tax_exempt from customers where id = %s", (customer_id,))
    return Customer(**row) if row else None
