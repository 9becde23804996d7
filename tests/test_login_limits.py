"""Login limits hold exactly under parallel attempts, and password hashing never holds up the
event loop that webhooks and every other request share."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from app.auth import passwords, throttle
from tests.conftest import PASSWORD


async def _attempts(visitor, usernames: list[str], address: str) -> Counter:
    browser = visitor(address)
    await browser.get("/login")

    async def one(username: str) -> int:
        response = await browser.post("/login", {"username": username, "password": "wrong!"})
        return response.status

    return Counter(await asyncio.gather(*(one(name) for name in usernames)))


async def test_25_parallel_wrong_passwords_for_one_account_get_exactly_5_checks(visitor, make_user):
    user = await make_user()
    statuses = await _attempts(visitor, [user.username] * 25, "192.0.2.20")
    assert statuses == {
        401: throttle.ACCOUNT_FREE_FAILURES,
        429: 25 - throttle.ACCOUNT_FREE_FAILURES,
    }


async def test_60_parallel_wrong_passwords_from_one_client_get_exactly_30_checks(visitor):
    names = [f"nobody{i}" for i in range(60)]
    statuses = await _attempts(visitor, names, "192.0.2.21")
    assert statuses == {401: throttle.CLIENT_FREE_FAILURES, 429: 60 - throttle.CLIENT_FREE_FAILURES}


async def test_a_successful_login_does_not_count_against_the_client(visitor, make_user):
    user = await make_user()
    for _ in range(throttle.CLIENT_FREE_FAILURES + 5):
        response = await visitor("192.0.2.22").login(user.username, PASSWORD)
        assert response.status == 303


async def test_a_password_check_lets_other_coroutines_run_while_it_is_in_flight():
    stored = await passwords.hash_password_async(PASSWORD)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    assert await passwords.check_password(PASSWORD, stored)
    assert not await passwords.check_password("not the password", stored)
    during = ticks - before
    running.cancel()
    assert during > 0


async def test_no_more_password_checks_run_at_once_than_the_bound():
    stored = await passwords.hash_password_async(PASSWORD)
    seen = 0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal seen
        while not done.is_set():
            workers = [
                t for t in threading.enumerate() if t.name.startswith(passwords.THREAD_NAME_PREFIX)
            ]
            seen = max(seen, len(workers))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(
        *(
            passwords.check_password(PASSWORD, stored)
            for _ in range(4 * passwords.MAX_CONCURRENT_HASHES)
        )
    )
    done.set()
    await watcher
    assert all(results)
    assert 0 < seen <= passwords.MAX_CONCURRENT_HASHES
