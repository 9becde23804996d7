"""Settings: one typed registry, every variable documented, bad values refused by name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.settings import REGISTRY, Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    undocumented = [s.env for s in REGISTRY if f"`{s.env}`" not in readme]
    assert undocumented == []


def test_every_setting_has_help_text():
    assert all(len(s.help) > 20 for s in REGISTRY)


def test_no_other_module_reads_the_environment():
    readers = []
    for path in (ROOT / "app").rglob("*.py"):
        if path.name == "settings.py" or "sandbox" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                if isinstance(node.value, ast.Name) and node.value.id == "os":
                    readers.append(str(path.relative_to(ROOT)))
    # The CLI copies the environment to the processes it starts; it reads nothing from it.
    assert sorted(set(readers)) == ["app/cli.py"]


def test_defaults_make_a_usable_configuration():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.cookie_secure is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AUTOFLOW_PORT", "eighty"),
        ("AUTOFLOW_PORT", "-1"),
        ("DATABASE_URL", "mysql://x"),
        ("AUTOFLOW_PUBLIC_URL", "example.com"),
        ("AUTOFLOW_LOG_LEVEL", "LOUD"),
        ("AUTOFLOW_SESSION_IDLE_MINUTES", "0"),
        ("AUTOFLOW_STALLED_WORKER_SECONDS", "soon"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable, value):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


def test_an_https_public_url_makes_cookies_secure():
    assert Settings.from_env({"AUTOFLOW_PUBLIC_URL": "https://flow.example/"}).cookie_secure


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AUTOFLOW_PROXY_HOPS", "-1"),
        ("AUTOFLOW_PROXY_HOPS", "1000"),
        ("AUTOFLOW_SESSION_MAX_HOURS", "99999999999"),
        ("AUTOFLOW_SESSION_IDLE_MINUTES", "99999999999"),
        ("AUTOFLOW_SECRET_KEY", "x"),
        ("AUTOFLOW_PORT", "70000"),
        ("AUTOFLOW_PORT", "٨٠٠٠"),
        ("AUTOFLOW_WEB_WORKERS", "100000"),
        ("AUTOFLOW_WORKER_HEARTBEAT_SECONDS", "nan"),
        ("AUTOFLOW_STALLED_WORKER_SECONDS", "inf"),
        ("AUTOFLOW_WEBHOOK_MAX_BYTES", "1e12"),
        ("AUTOFLOW_WEBHOOK_RETENTION_DAYS", "1000000"),
        ("AUTOFLOW_HOST", "127.0.0.1 evil"),
        ("DATABASE_URL", "postgresql://u:p@db:99999/x"),
        ("AUTOFLOW_PUBLIC_URL", "https://"),
    ],
)
def test_it_refuses_values_that_would_break_requests_later(variable, value):
    with pytest.raises(SettingsError, match=variable) as refused:
        Settings.from_env({variable: value})
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AUTOFLOW_SECRET_KEY", "short-secret"),
        ("DATABASE_URL", "postgresql://u:hunter2@db:99999/x"),
    ],
)
def test_it_never_repeats_a_secret_value_in_its_refusal(variable, value):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})
    assert value not in str(refused.value) and "hunter2" not in str(refused.value)


def test_it_refuses_a_data_dir_that_is_a_file(tmp_path):
    a_file = tmp_path / "data"
    a_file.write_text("not a folder")
    with pytest.raises(SettingsError, match="AUTOFLOW_DATA_DIR.*it is a file"):
        Settings.from_env({"AUTOFLOW_DATA_DIR": str(a_file)})


def test_a_long_enough_secret_key_is_accepted():
    key = "k" * 32
    assert Settings.from_env({"AUTOFLOW_SECRET_KEY": key}).secret_key == key
