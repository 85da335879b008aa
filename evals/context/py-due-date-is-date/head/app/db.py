"""Thin helpers over one psycopg connection per request."""
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row

from app.config import settings


@contextmanager
def connection():
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        yield conn


def fetch_one(sql: str, params: tuple) -> dict | None:
    with connection() as conn:
        return conn.execute(sql, params).fetchone()


def fetch_all(sql: str, params: tuple) -> list[dict]:
    with connection() as conn:
        return conn.execute(sql, params).fetchall()


def execute(sql: str, params: tuple) -> int:
    """Runs a statement and returns the number of rows it changed."""
    with connection() as conn:
        return conn.execute(sql, params).rowcount
