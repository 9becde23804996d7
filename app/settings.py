"""Every environment variable Auto-Flow reads, in one typed registry.

No other module reads `os.environ`. Each setting carries its help text; the README
documents every one of them and a test fails when one is missing there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


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


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def _parse_non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected 0 or a positive whole number")
    return value


def _parse_positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a positive number")
    return value


def _parse_database_url(raw: str) -> str:
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ValueError("expected a postgresql:// URL")
    return raw


def _parse_key_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
    return level


def _parse_public_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Setting:
    env: str
    help: str
    parse: Callable[[str], Any] = str
    default: str | Callable[[], str] | None = None

    def default_text(self) -> str | None:
        return self.default() if callable(self.default) else self.default


REGISTRY: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "PostgreSQL URL (postgresql://user:pass@host:5432/db). Unset: an embedded PostgreSQL 16 "
        "with pgvector runs from the data directory.",
        _parse_database_url,
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
        "mode 0600). Set it when web processes run on more than one machine.",
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
    ),
    Setting("AUTOFLOW_HOST", "Address the web server binds to.", str, "127.0.0.1"),
    Setting("AUTOFLOW_PORT", "Port the web server binds to.", _parse_positive_int, "8000"),
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
        _parse_non_negative_int,
        "0",
    ),
    Setting(
        "AUTOFLOW_SESSION_IDLE_MINUTES",
        "A session ends after this many minutes without a request.",
        _parse_positive_int,
        "720",
    ),
    Setting(
        "AUTOFLOW_SESSION_MAX_HOURS",
        "A session ends this many hours after login, however active.",
        _parse_positive_int,
        "168",
    ),
    Setting(
        "AUTOFLOW_WEB_WORKERS",
        "Number of web worker processes `autoflow run` and `autoflow web` start.",
        _parse_positive_int,
        "1",
    ),
    Setting(
        "AUTOFLOW_WORKER_HEARTBEAT_SECONDS",
        "How often a queue worker records that it is alive.",
        _parse_positive_float,
        "10",
    ),
    Setting(
        "AUTOFLOW_STALLED_WORKER_SECONDS",
        "A worker silent for this long is presumed dead and its running jobs are re-queued.",
        _parse_positive_float,
        "60",
    ),
    Setting(
        "AUTOFLOW_WEBHOOK_MAX_BYTES",
        "Largest webhook body accepted; bigger ones are answered 413.",
        _parse_positive_int,
        str(5 * 1024 * 1024),
    ),
    Setting(
        "AUTOFLOW_WEBHOOK_RETENTION_DAYS",
        "Processed webhook deliveries and refused requests older than this are deleted.",
        _parse_positive_int,
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
        "TEST_DATABASE_URL",
        "Tests only: a PostgreSQL server (superuser URL) to run the suite against instead of an "
        "embedded one. Each test gets its own database cloned from a template.",
        _parse_database_url,
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
                raise SettingsError(f"{setting.env}={raw!r} is not valid: {error}") from None
        host, port = values["AUTOFLOW_HOST"], values["AUTOFLOW_PORT"]
        return cls(
            database_url=values["DATABASE_URL"],
            data_dir=Path(values["AUTOFLOW_DATA_DIR"]).expanduser().resolve(),
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
        )

    def replace(self, **changes: Any) -> Settings:
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)
