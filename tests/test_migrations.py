"""Migrations: in order, once, safe with two processes at once, and the vendored Procrastinate
schema equal to what the installed Procrastinate expects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import procrastinate
import pytest

from app.db import engine
from app.db.migrate import apply_migrations, pending_migrations
from tests.support import database

# Lists every object of a schema in a comparable form: tables with their columns, functions
# with their bodies, types, indexes, triggers and constraints.
CATALOG_QUERY = """
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS item
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relname LIKE 'procrastinate%' AND a.attnum > 0 AND NOT a.attisdropped
       AND c.relkind IN ('r', 'v')
UNION ALL
SELECT 'function ' || p.proname || '(' || pg_get_function_arguments(p.oid) || ') ' || md5(p.prosrc)
  FROM pg_proc p WHERE p.proname LIKE 'procrastinate%'
UNION ALL
SELECT 'type ' || t.typname || ' ' || coalesce(string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder), '')
  FROM pg_type t LEFT JOIN pg_enum e ON e.enumtypid = t.oid
 WHERE t.typname LIKE 'procrastinate%' AND t.typtype = 'e' GROUP BY t.typname
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes
 WHERE tablename LIKE 'procrastinate%' AND indexname NOT LIKE 'autoflow%'
UNION ALL
SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(oid)
  FROM pg_trigger WHERE tgname LIKE 'procrastinate%'
UNION ALL
SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conname LIKE 'procrastinate%'
ORDER BY 1
"""


@pytest.fixture
async def empty_database(pg_server):
    await engine.close_pool()
    connection = await asyncpg.connect(pg_server)
    name = f"autoflow_empty_{id(connection)}"
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    yield database.with_database(pg_server, name)
    await database.drop(pg_server, name)


async def test_migrations_apply_in_order_and_a_second_run_does_nothing(empty_database):
    on_disk = await pending_migrations(empty_database)
    assert on_disk == sorted(on_disk) and len(on_disk) >= 4

    applied = await apply_migrations(empty_database)

    assert applied == on_disk
    assert await apply_migrations(empty_database) == []
    assert await pending_migrations(empty_database) == []


async def test_two_processes_migrating_at_once_apply_each_migration_once(empty_database):
    on_disk = await pending_migrations(empty_database)
    first, second = await asyncio.gather(
        apply_migrations(empty_database), apply_migrations(empty_database)
    )
    assert sorted(first + second) == on_disk
    connection = await asyncpg.connect(empty_database)
    try:
        names = [r["name"] for r in await connection.fetch("SELECT name FROM migration")]
    finally:
        await connection.close()
    assert sorted(names) == on_disk


async def test_the_schema_has_pgvector_and_our_tables(database_url):
    connection = await asyncpg.connect(database_url)
    try:
        extensions = {
            r["extname"] for r in await connection.fetch("SELECT extname FROM pg_extension")
        }
        tables = {
            r["tablename"]
            for r in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
    finally:
        await connection.close()
    assert "vector" in extensions
    assert {"users", "sessions", "invites", "projects", "project_memberships"} <= tables


async def test_the_vendored_procrastinate_schema_matches_the_installed_procrastinate(
    database_url, pg_server
):
    reference_name = f"autoflow_procrastinate_ref_{id(database_url)}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'CREATE DATABASE "{reference_name}"')
    await admin.close()
    reference = database.with_database(pg_server, reference_name)
    schema_sql = (Path(procrastinate.__file__).parent / "sql" / "schema.sql").read_text()
    try:
        connection = await asyncpg.connect(reference)
        await connection.execute(schema_sql)
        expected = [r["item"] for r in await connection.fetch(CATALOG_QUERY)]
        await connection.close()
        connection = await asyncpg.connect(database_url)
        actual = [r["item"] for r in await connection.fetch(CATALOG_QUERY)]
        await connection.close()
    finally:
        await database.drop(pg_server, reference_name)
    assert len(expected) > 20
    assert actual == expected, (
        "Procrastinate was upgraded: add a migration applying its sql/migrations "
        "(see docs/operations.md)"
    )
