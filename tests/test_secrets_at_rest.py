"""Nothing secret is stored in clear: not a password, a session id, an invite token or the
set-up token. The whole database is read back as text and searched."""

from __future__ import annotations

import asyncpg

from tests.conftest import INIT_TOKEN, PASSWORD


async def _everything_as_text(dsn: str) -> str:
    connection = await asyncpg.connect(dsn)
    try:
        tables = [
            r["tablename"]
            for r in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        dumps = [
            str(await connection.fetch(f'SELECT t::text AS row FROM "{table}" t'))
            for table in tables
        ]
    finally:
        await connection.close()
    return "\n".join(dumps)


async def test_the_database_holds_no_secret_in_clear(visitor, database_url):
    admin = visitor()
    await admin.get("/setup")
    await admin.post(
        "/setup",
        {
            "token": INIT_TOKEN,
            "username": "root",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    await admin.get("/app")
    await admin.post("/app/projects", {"name": "Vault", "slug": "vault"})
    page = await admin.post("/partials/p/vault/invites", {"role": "editor"}, htmx=True)
    invite_token = page.select_one("#invite-link")["value"].rsplit("/", 1)[1]
    newcomer = visitor()
    second_invite = await admin.post("/partials/p/vault/invites", {"role": "viewer"}, htmx=True)
    pending_token = second_invite.select_one("#invite-link")["value"].rsplit("/", 1)[1]
    await newcomer.get(f"/invite/{invite_token}")
    await newcomer.post(
        f"/invite/{invite_token}",
        {
            "username": "newbie",
            "password": "newbie password 42",
            "password_confirm": "newbie password 42",
        },
    )
    session_ids = [admin.cookie("autoflow_session"), newcomer.cookie("autoflow_session")]
    assert all(session_ids)

    stored = await _everything_as_text(database_url)

    assert "root" in stored and "vault" in stored  # the dump really holds the data
    for secret in [
        PASSWORD,
        "newbie password 42",
        INIT_TOKEN,
        invite_token,
        pending_token,
        *session_ids,
    ]:
        assert secret not in stored
