"""An attacker racing our Asana webhook set-up cannot plant its secret: the handshake is bound
to our own create call by a one-time token in the target we register (a time window alone was
won by an unauthenticated loop in review)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from app.integrations.asana.webhooks import sign
from app.services import asana_hooks
from app.tables import WebhookDelivery
from tests.browser.conftest import launch_web

ATTACKER_SECRET = "attacker-chosen-secret-0123456789"
# Bounded: the loop stops by itself even if the set-up never finishes.
MAX_ATTEMPTS = 2000


@pytest.mark.slow
async def test_a_concurrent_attacker_never_plants_a_secret_and_the_set_up_still_succeeds(
    app, database_url, tmp_path, make_user, make_project, sandbox, http_session
):
    project = await make_project(await make_user(is_admin=True))
    gid = sandbox.seed.project_gid
    # `app` loaded the master key from tmp_path/data, which the web process shares.
    # A real web process: the sandbox's handshake and the attacker both reach it over HTTP.
    sandbox.asana.handshake_timeout_seconds = 30.0
    async with launch_web(database_url, tmp_path) as server:
        target = f"{server.url}/webhooks/asana/{project.id}?resource={gid}"
        set_up_done = asyncio.Event()
        answers: list[int] = []

        async def attack() -> None:
            async with aiohttp.ClientSession() as attacker:
                while not set_up_done.is_set() and len(answers) < MAX_ATTEMPTS:
                    async with attacker.post(
                        target, headers={"X-Hook-Secret": ATTACKER_SECRET}
                    ) as response:
                        answers.append(response.status)

        attacker = asyncio.create_task(attack())
        while not answers:  # the attacker is already knocking when the set-up begins
            await asyncio.sleep(0.01)
        client = sandbox.asana_client(http_session)
        try:
            results = await asana_hooks.set_up(client, project.id, [gid], server.url)
        finally:
            set_up_done.set()
            await attacker

        assert [r.ok for r in results] == [True], results
        assert answers and set(answers) == {403}
        (hook,) = sandbox.asana.world.webhooks.values()
        assert await asana_hooks.secret_for(project.id, gid) == hook.secret != ATTACKER_SECRET

        # Events signed with the attacker's secret are refused; Asana's are recorded.
        event = {
            "action": "changed",
            "resource": {"gid": "1300000000000009", "resource_type": "task"},
            "change": {"field": "name", "action": "changed"},
            "created_at": "2026-11-25T09:00:00.000Z",
        }
        body = json.dumps({"events": [event]}).encode()
        async with http_session.post(
            target, data=body, headers={"X-Hook-Signature": sign(body, ATTACKER_SECRET)}
        ) as forged:
            assert forged.status == 401
        async with http_session.post(
            target, data=body, headers={"X-Hook-Signature": sign(body, hook.secret)}
        ) as genuine:
            assert genuine.status == 200
    assert await WebhookDelivery.count() == 1
