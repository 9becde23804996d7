"""The one Piccolo engine every table and query uses, and where its DSN comes from."""

from __future__ import annotations

from piccolo.engine.postgres import PostgresEngine

from app.db.embedded import EmbeddedPostgres
from app.settings import Settings

# Pool bounds per process; PostgreSQL's max_connections is shared by every web and worker
# process, so keep these small and scale out by processes.
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10


class LazyPostgresEngine(PostgresEngine):
    """A PostgresEngine that does not connect when constructed.

    Piccolo's engine checks the server version (and creates extensions) in its constructor,
    i.e. at import of piccolo_conf, before any process knows its DSN. Extensions are created
    by our migrations instead.
    """

    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None


# Piccolo finds its engine through piccolo_conf.DB (this object). Its DSN is set by
# `configure()` before first use: each process (and each test) points it at its database.
DB = LazyPostgresEngine(config={"dsn": "postgresql:///unconfigured"})


def database_dsn(settings: Settings) -> str:
    """DATABASE_URL when set, otherwise the embedded server's DSN (which may not be running)."""
    if settings.database_url:
        return settings.database_url
    return EmbeddedPostgres(settings.data_dir).dsn()


def configure(dsn: str) -> None:
    if DB.pool is not None:
        raise RuntimeError("close the connection pool before pointing the engine elsewhere")
    DB.config = {"dsn": dsn}


async def _keep_session(connection: object) -> None:
    """Skip asyncpg's reset on release (an extra round trip per query, a tenth of a webhook's
    CPU). Nothing of ours leaves session state behind: advisory locks are transaction-scoped,
    there is no LISTEN and no SET on pooled connections, and a transaction left open is rolled
    back by the pool itself."""


async def open_pool() -> None:
    await DB.start_connection_pool(
        min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE, reset=_keep_session
    )


async def close_pool() -> None:
    if DB.pool is not None:
        await DB.close_connection_pool()


async def fetch(query: str, *args: object) -> list[dict]:
    """Run SQL with numbered ($1, $2...) parameters on the engine's connection: the current
    transaction's if there is one, else the pool's. For queries Piccolo's builder cannot say."""
    transaction = DB.current_transaction.get()
    if transaction is not None:
        rows = await transaction.connection.fetch(query, *args)
    elif DB.pool is not None:
        async with DB.pool.acquire() as connection:
            rows = await connection.fetch(query, *args)
    else:
        connection = await DB.get_new_connection()
        try:
            rows = await connection.fetch(query, *args)
        finally:
            await connection.close()
    return [dict(row) for row in rows]
