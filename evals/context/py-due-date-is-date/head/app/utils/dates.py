from datetime import date, datetime, timedelta


def parse_date(text: str) -> date:
    """Parses YYYY-MM-DD. Raises ValueError for anything else, including None and empty text."""
    if not text:
        raise ValueError("date is required")
    return datetime.strptime(text, "%Y-%m-%d").date()


def business_days_after(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
