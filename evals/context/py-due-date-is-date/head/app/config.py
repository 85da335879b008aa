import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str = os.environ.get("DATABASE_URL", "postgresql://localhost/billing")
    default_due_days: int = int(os.environ.get("DEFAULT_DUE_DAYS", "30"))
    reminder_batch: int = int(os.environ.get("REMINDER_BATCH", "100"))


settings = Settings()
