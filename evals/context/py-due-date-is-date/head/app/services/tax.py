from decimal import Decimal

# Standard VAT rates in percent.
_RATES = {
    "DE": Decimal("19"),
    "FR": Decimal("20"),
    "NL": Decimal("21"),
    "GB": Decimal("20"),
}


def tax_rate(country: str) -> Decimal:
    """The VAT rate for a country as a percentage (Decimal("19") means 19 %); 0 outside the table."""
    return _RATES.get(country.upper(), Decimal("0"))
