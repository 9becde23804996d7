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
