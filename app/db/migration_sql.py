"""Helpers for migrations that run SQL Piccolo cannot express (extensions, constraints,
vendored schemas)."""

from pathlib import Path

from app.db.engine import DB

SQL_FOLDER = Path(__file__).resolve().parent.parent.parent / "piccolo_migrations" / "sql"


async def execute_script(sql: str) -> None:
    """Run a multi-statement script inside the migration's own transaction."""
    transaction = DB.current_transaction.get()
    if transaction is None:
        raise RuntimeError("migration SQL must run inside the migration transaction")
    await transaction.connection.execute(sql)


def read_sql(name: str) -> str:
    return (SQL_FOLDER / name).read_text()
