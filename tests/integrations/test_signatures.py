"""Webhook signature helpers for both services."""

import json

import pytest

from app.integrations.asana import webhooks as asana_webhooks
from app.integrations.errors import InvalidSignature
from app.integrations.github import webhooks as github_webhooks

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
# Reference: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_signing_matches_githubs_published_test_vector():
    assert github_webhooks.sign(GITHUB_BODY, GITHUB_SECRET) == GITHUB_SIGNATURE


def test_it_accepts_githubs_test_vector():
    github_webhooks.verify_signature(GITHUB_BODY, GITHUB_SIGNATURE, GITHUB_SECRET)


def test_it_rejects_a_tampered_github_body():
    with pytest.raises(InvalidSignature, match="does not match"):
        github_webhooks.verify_signature(b"Hello, World?", GITHUB_SIGNATURE, GITHUB_SECRET)


def test_it_rejects_a_missing_github_signature():
    with pytest.raises(InvalidSignature, match="missing"):
        github_webhooks.verify_signature(GITHUB_BODY, None, GITHUB_SECRET)


def test_it_rejects_a_github_signature_made_with_another_secret():
    with pytest.raises(InvalidSignature):
        github_webhooks.verify_signature(
            GITHUB_BODY, github_webhooks.sign(GITHUB_BODY, "other"), GITHUB_SECRET
        )


def test_it_rejects_the_old_sha1_github_signature():
    with pytest.raises(InvalidSignature, match="sha256="):
        github_webhooks.verify_signature(GITHUB_BODY, "sha1=0123", GITHUB_SECRET)


def test_it_parses_a_signed_github_delivery_in_json_and_in_form_encoding():
    payload = {"action": "opened", "issue": {"number": 3}}
    for content_type, body in (
        ("application/json", json.dumps(payload).encode()),
        (
            "application/x-www-form-urlencoded",
            b"payload=" + json.dumps(payload).replace(" ", "+").encode(),
        ),
    ):
        headers = {
            "content-type": content_type,
            "x-github-event": "issues",
            "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "x-hub-signature-256": github_webhooks.sign(body, "s"),
        }
        delivery = github_webhooks.parse_delivery(headers, body, "s")
        assert delivery.event == "issues" and delivery.payload == payload


def test_asana_signature_is_the_hex_hmac_of_the_raw_body():
    body = b'{"events":[]}'
    signature = asana_webhooks.sign(body, "hook-secret")

    asana_webhooks.verify_signature(body, signature, "hook-secret")
    assert len(signature) == 64 and not signature.startswith("sha256=")


def test_it_rejects_a_tampered_asana_body():
    signature = asana_webhooks.sign(b'{"events":[]}', "hook-secret")
    with pytest.raises(InvalidSignature):
        asana_webhooks.verify_signature(b'{"events": []}', signature, "hook-secret")


def test_it_rejects_a_missing_asana_signature():
    with pytest.raises(InvalidSignature, match="missing"):
        asana_webhooks.verify_request({}, b'{"events":[]}', "hook-secret")


def test_it_rejects_an_asana_signature_made_with_another_secret():
    body = b'{"events":[]}'
    with pytest.raises(InvalidSignature):
        asana_webhooks.verify_signature(body, asana_webhooks.sign(body, "other"), "hook-secret")


def test_it_reads_the_asana_handshake_secret_and_echoes_it():
    secret = asana_webhooks.handshake_secret({"x-hook-secret": "abc"})

    assert secret == "abc"
    assert asana_webhooks.handshake_response_headers(secret) == {"X-Hook-Secret": "abc"}
    assert asana_webhooks.handshake_secret({"Content-Type": "application/json"}) is None


def test_an_empty_asana_delivery_is_a_heartbeat():
    assert asana_webhooks.parse_events(b'{"events":[]}') == []
