"""GET /metrics for Prometheus. It answers only a scraper that sends
`Authorization: Bearer <AUTOFLOW_METRICS_TOKEN>`; with no metrics token set it does not exist
(404), so an instance exposes nothing by default."""

from __future__ import annotations

from quart import Blueprint, Response, abort, current_app, request

from app.auth.secrets import same
from app.services.metrics import exposition, snapshot

blueprint = Blueprint("metrics", __name__)

# The classic text format every Prometheus version reads (what prometheus-client's own server
# sends when the scraper asks for nothing else).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@blueprint.get("/metrics")
async def metrics() -> Response:
    expected = current_app.config["AUTOFLOW_SETTINGS"].metrics_token
    if not expected:
        abort(404)
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not same(sent.strip(), expected):
        return Response(
            "metrics token required\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain"},
        )
    body = exposition(await snapshot())
    return Response(body, 200, {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})
