"""Every environment variable Auto-Flow reads, in one typed registry.

No other module reads `os.environ`. Each setting carries its help text; the README
documents every one of them and a test fails when one is missing there.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Signing keys shorter than this are guessable (a secrets.token_urlsafe(48) key has 64).
MIN_SECRET_KEY_LENGTH = 32
# Bounds that keep every value usable: beyond them datetime arithmetic overflows, sockets
# refuse, or the value is surely a typo.
MAX_PROXY_HOPS = 10
MAX_SESSION_HOURS = 24 * 366
MAX_IDLE_MINUTES = 60 * 24 * 366


class SettingsError(ValueError):
    """A setting holds a value we cannot use; the message names the variable."""


def _root_default_data_dir() -> str:
    # As root, the embedded PostgreSQL runs as a system user that must be able to reach its
    # cluster; keep it out of root's home so nothing there is widened (see README).
    return "/var/lib/autoflow" if os.geteuid() == 0 else "data"


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true/false")


def _whole_number(raw: str) -> int:
    # ASCII digits only: int() would also take " 8000 " or "٨٠٠٠".
    text = raw.strip()
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        raise ValueError("expected a whole number")
    return int(text)


def _int_between(low: int, high: int, unit: str = "") -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = _whole_number(raw)
        if not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}{unit}")
        return value

    return parse


def _float_between(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("expected a number") from None
        if not math.isfinite(value) or not low < value <= high:
            raise ValueError(f"expected a number above {low:g} and at most {high:g}")
        return value

    return parse


def _parse_database_url(raw: str) -> str:
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ValueError("expected a postgresql:// URL")
    try:
        urlsplit(raw).port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise ValueError("the port is not a number from 1 to 65535") from None
    return raw


def _parse_secret_key(raw: str) -> str:
    if len(raw) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(f"use at least {MIN_SECRET_KEY_LENGTH} random characters")
    return raw


def _parse_host(raw: str) -> str:
    if not raw.strip() or any(char.isspace() for char in raw):
        raise ValueError("expected an address such as 127.0.0.1 or 0.0.0.0")
    return raw


def _parse_key_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
    return level


def _parse_public_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")) or not urlsplit(raw).hostname:
        raise ValueError("expected an http:// or https:// URL")
    try:
        urlsplit(raw).port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise ValueError("the port is not a number from 1 to 65535") from None
    return raw.rstrip("/")


@dataclass(frozen=True)
class Setting:
    env: str
    help: str
    parse: Callable[[str], Any] = str
    default: str | Callable[[], str] | None = None
    secret: bool = False  # never repeat its value in an error message

    def default_text(self) -> str | None:
        return self.default() if callable(self.default) else self.default


REGISTRY: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "PostgreSQL URL (postgresql://user:pass@host:5432/db). Unset: an embedded PostgreSQL 16 "
        "with pgvector runs from the data directory.",
        _parse_database_url,
        secret=True,  # it may carry a password
    ),
    Setting(
        "AUTOFLOW_DATA_DIR",
        "Where the embedded PostgreSQL cluster and the master key live. Default `data` in the "
        "working directory, or `/var/lib/autoflow` when running as root.",
        str,
        _root_default_data_dir,
    ),
    Setting(
        "INIT_ADMIN_TOKEN",
        "One-time token that lets the first admin be created at /setup while no user exists. "
        "Useless once any user exists.",
    ),
    Setting(
        "AUTOFLOW_SECRET_KEY",
        "Signs the small cookie that carries flash messages and the pre-login CSRF token. "
        "Default: a random key kept in AUTOFLOW_DATA_DIR/secret.key (created on first run, "
        "mode 0600). Set it when web processes run on more than one machine (at least 32 "
        "random characters).",
        _parse_secret_key,
        secret=True,
    ),
    Setting(
        "AUTOFLOW_MASTER_KEY",
        "The key (32 bytes, base64url) that encrypts project secrets at rest. Default: a key "
        "kept in AUTOFLOW_DATA_DIR/master.key (created on first run, mode 0600). Generate one "
        "with `autoflow new-master-key`.",
    ),
    Setting(
        "AUTOFLOW_RETIRED_MASTER_KEYS",
        "Comma-separated earlier master keys, still accepted for decrypting until "
        "`autoflow reencrypt` has moved every secret to AUTOFLOW_MASTER_KEY.",
        _parse_key_list,
        "",
        secret=True,
    ),
    Setting("AUTOFLOW_HOST", "Address the web server binds to.", _parse_host, "127.0.0.1"),
    Setting("AUTOFLOW_PORT", "Port the web server binds to.", _int_between(1, 65535), "8000"),
    Setting(
        "AUTOFLOW_PUBLIC_URL",
        "The URL people and webhook senders use to reach this server (invite links, webhook "
        "URLs). Default http://AUTOFLOW_HOST:AUTOFLOW_PORT. An https URL turns on Secure cookies.",
        _parse_public_url,
    ),
    Setting(
        "AUTOFLOW_PROXY_HOPS",
        "Number of reverse proxies (e.g. Caddy) in front of the web server whose "
        "X-Forwarded-For/-Proto headers are trusted to give the client address and scheme. "
        "0 trusts none.",
        _int_between(0, MAX_PROXY_HOPS),
        "0",
    ),
    Setting(
        "AUTOFLOW_SESSION_IDLE_MINUTES",
        "A session ends after this many minutes without a request.",
        _int_between(1, MAX_IDLE_MINUTES, " minutes"),
        "720",
    ),
    Setting(
        "AUTOFLOW_SESSION_MAX_HOURS",
        "A session ends this many hours after login, however active.",
        _int_between(1, MAX_SESSION_HOURS, " hours"),
        "168",
    ),
    Setting(
        "AUTOFLOW_WEB_WORKERS",
        "Number of web worker processes `autoflow run` and `autoflow web` start.",
        _int_between(1, 64),
        "1",
    ),
    Setting(
        "AUTOFLOW_WORKER_HEARTBEAT_SECONDS",
        "How often a queue worker records that it is alive.",
        _float_between(0, 3600),
        "10",
    ),
    Setting(
        "AUTOFLOW_STALLED_WORKER_SECONDS",
        "A worker silent for this long is presumed dead and its running jobs are re-queued.",
        _float_between(0, 86400),
        "60",
    ),
    Setting(
        "AUTOFLOW_WEBHOOK_MAX_BYTES",
        "Largest webhook body accepted; bigger ones are answered 413.",
        _int_between(1024, 256 * 1024 * 1024, " bytes"),
        str(5 * 1024 * 1024),
    ),
    Setting(
        "AUTOFLOW_WEBHOOK_RETENTION_DAYS",
        "Processed webhook deliveries and refused requests older than this are deleted.",
        _int_between(1, 3650, " days"),
        "30",
    ),
    Setting("AUTOFLOW_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR.", _parse_log_level, "INFO"),
    Setting(
        "AUTOFLOW_ASANA_API_URL",
        "Base URL of Asana's REST API. The demo and the tests point it at the sandbox.",
        _parse_public_url,
        "https://app.asana.com/api/1.0",
    ),
    Setting(
        "AUTOFLOW_GITHUB_API_URL",
        "Base URL of GitHub's REST API (GitHub Enterprise: https://HOST/api/v3). The demo and "
        "the tests point it at the sandbox.",
        _parse_public_url,
        "https://api.github.com",
    ),
    Setting(
        "AUTOFLOW_API_RATE_LIMIT",
        "Requests per minute one API token may make to /api/v1 (a fixed one-minute window, "
        "counted in PostgreSQL so every web process shares it); more are answered 429.",
        _int_between(1, 1_000_000, " requests a minute"),
        "120",
    ),
    Setting(
        "AUTOFLOW_METRICS_TOKEN",
        "Bearer token a Prometheus scraper sends to read /metrics. Unset: /metrics answers 404.",
    ),
    Setting(
        "TEST_DATABASE_URL",
        "Tests only: a PostgreSQL server (superuser URL) to run the suite against instead of an "
        "embedded one. Each test gets its own database cloned from a template.",
        _parse_database_url,
        secret=True,
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    init_admin_token: str | None
    secret_key: str | None
    master_key: str | None
    retired_master_keys: tuple[str, ...]
    host: str
    port: int
    public_url: str
    proxy_hops: int
    session_idle_minutes: int
    session_max_hours: int
    web_workers: int
    worker_heartbeat_seconds: float
    stalled_worker_seconds: float
    webhook_max_bytes: int
    webhook_retention_days: int
    log_level: str
    test_database_url: str | None
    asana_api_url: str = "https://app.asana.com/api/1.0"
    github_api_url: str = "https://api.github.com"
    api_rate_limit: int = 120
    metrics_token: str | None = None

    @property
    def cookie_secure(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in REGISTRY:
            raw = environ.get(setting.env)
            if raw is None or raw == "":
                raw = setting.default_text()
            if raw is None:
                values[setting.env] = None
                continue
            try:
                values[setting.env] = setting.parse(raw)
            except ValueError as error:
                shown = setting.env if setting.secret else f"{setting.env}={raw!r}"
                raise SettingsError(f"{shown} is not valid: {error}") from None
        host, port = values["AUTOFLOW_HOST"], values["AUTOFLOW_PORT"]
        data_dir = Path(values["AUTOFLOW_DATA_DIR"]).expanduser().resolve()
        if data_dir.exists() and not data_dir.is_dir():
            raise SettingsError(
                f"AUTOFLOW_DATA_DIR={str(data_dir)!r} is not valid: it is a file, not a folder"
            )
        return cls(
            database_url=values["DATABASE_URL"],
            data_dir=data_dir,
            init_admin_token=values["INIT_ADMIN_TOKEN"],
            secret_key=values["AUTOFLOW_SECRET_KEY"],
            master_key=values["AUTOFLOW_MASTER_KEY"],
            retired_master_keys=values["AUTOFLOW_RETIRED_MASTER_KEYS"] or (),
            host=host,
            port=port,
            public_url=values["AUTOFLOW_PUBLIC_URL"] or f"http://{host}:{port}",
            proxy_hops=values["AUTOFLOW_PROXY_HOPS"],
            session_idle_minutes=values["AUTOFLOW_SESSION_IDLE_MINUTES"],
            session_max_hours=values["AUTOFLOW_SESSION_MAX_HOURS"],
            web_workers=values["AUTOFLOW_WEB_WORKERS"],
            worker_heartbeat_seconds=values["AUTOFLOW_WORKER_HEARTBEAT_SECONDS"],
            stalled_worker_seconds=values["AUTOFLOW_STALLED_WORKER_SECONDS"],
            webhook_max_bytes=values["AUTOFLOW_WEBHOOK_MAX_BYTES"],
            webhook_retention_days=values["AUTOFLOW_WEBHOOK_RETENTION_DAYS"],
            log_level=values["AUTOFLOW_LOG_LEVEL"],
            test_database_url=values["TEST_DATABASE_URL"],
            asana_api_url=values["AUTOFLOW_ASANA_API_URL"],
            github_api_url=values["AUTOFLOW_GITHUB_API_URL"],
            api_rate_limit=values["AUTOFLOW_API_RATE_LIMIT"],
            metrics_token=values["AUTOFLOW_METRICS_TOKEN"],
        )

    def replace(self, **changes: Any) -> Settings:
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)
