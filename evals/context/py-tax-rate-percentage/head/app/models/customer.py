from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    email: str
    country: str
    tax_exempt: bool = False
