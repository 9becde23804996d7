"""The deployment files keep their promises: compose.yaml, the Caddyfile, the Dockerfile, the
entry point and the GitHub workflows, checked by parsing them (this machine has no Docker
engine). Where a tool is installed (`caddy`, `docker compose`, `hadolint`) it checks as well;
CI's `deploy-files` job runs all of them against a real engine (.github/workflows/ci.yml)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"app", "worker", "migrate", "postgres", "caddy"}
LONG_RUNNING = SERVICES - {"migrate"}
# Names of settings whose values are secrets: they may only come from a file or `${...}`.
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "MASTER_KEY", "DATABASE_URL")
EXAMPLE_ENV = {"AUTOFLOW_DOMAIN": "autoflow.example.com", "ACME_EMAIL": "ops@example.com"}


def read(relative: str) -> str:
    return (ROOT / relative).read_text()


def load_yaml(relative: str) -> dict[str, Any]:
    return yaml.safe_load(read(relative))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml("compose.yaml")


def env_example(name: str) -> dict[str, str]:
    values = {}
    for line in read(f"deploy/{name}.env.example").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


# -- compose.yaml ---------------------------------------------------------------------------


def test_compose_has_the_app_worker_migrate_postgres_and_caddy_services(compose):
    assert set(compose["services"]) == SERVICES


def test_app_and_worker_wait_for_the_migrations_to_complete(compose):
    for name in ("app", "worker"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["postgres"] == {"condition": "service_healthy"}
    assert compose["services"]["migrate"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy"
    )


def test_migrations_run_only_in_the_one_shot_migrate_service(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["autoflow", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["app"]["command"][:2] == ["hypercorn", "app.asgi:app"]
    assert services["worker"]["command"][:2] == ["autoflow", "worker"]
    for name in ("app", "worker"):
        assert "migrate" not in " ".join(services[name]["command"])


def test_every_long_running_service_restarts_by_itself(compose):
    for name in LONG_RUNNING:
        assert compose["services"][name]["restart"] in {"unless-stopped", "always"}, name


def test_app_and_worker_scale_from_the_env_file_so_a_deploy_keeps_the_scale(compose):
    services = compose["services"]
    assert services["app"]["deploy"]["replicas"] == "${AUTOFLOW_APP_REPLICAS:-1}"
    assert services["worker"]["deploy"]["replicas"] == "${AUTOFLOW_WORKER_REPLICAS:-1}"
    for name in SERVICES:
        assert "container_name" not in services[name], name  # a fixed name cannot scale


def test_every_service_has_cpu_and_memory_limits(compose):
    for name, service in compose["services"].items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0 and limits["memory"], name


def test_app_postgres_and_caddy_have_healthchecks_and_the_others_say_why_not(compose):
    services = compose["services"]
    assert "/healthz" in " ".join(services["app"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["caddy"]["healthcheck"]["test"]
    for name in ("worker", "migrate"):
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_logs_go_to_the_docker_log_with_a_size_cap(compose):
    for name, service in compose["services"].items():
        logging = service["logging"]
        assert logging["driver"] == "json-file", name
        assert logging["options"]["max-size"], name
    assert compose["services"]["app"]["command"][-2:] == ["--error-logfile", "-"]


def test_postgres_is_pgvector_on_a_pinned_postgresql_16_with_a_named_volume(compose):
    postgres = compose["services"]["postgres"]
    assert re.fullmatch(
        r"pgvector/pgvector:\d+\.\d+\.\d+-pg16(@sha256:[0-9a-f]{64})?", postgres["image"]
    )
    volume, _, target = postgres["volumes"][0].partition(":")
    assert volume in compose["volumes"] and target == "/var/lib/postgresql/data"
    assert "ports" not in postgres  # reachable on the project network only


def test_caddy_is_pinned_and_the_only_service_with_published_ports(compose):
    services = compose["services"]
    assert re.fullmatch(r"caddy:\d+\.\d+\.\d+(-alpine)?", services["caddy"]["image"])
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]
    for name in SERVICES - {"caddy"}:
        assert "ports" not in services[name], name


def test_the_app_trusts_exactly_one_proxy_and_is_reached_over_https(compose):
    for name in ("app", "worker", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["AUTOFLOW_PROXY_HOPS"] == "1"
        assert environment["AUTOFLOW_PUBLIC_URL"].startswith("https://${AUTOFLOW_DOMAIN")


def test_every_variable_compose_gives_the_app_is_a_documented_setting(compose):
    known = {setting.env for setting in REGISTRY}
    file_variables = entrypoint_file_variables()
    for name in ("app", "worker", "migrate"):
        for variable in compose["services"][name]["environment"]:
            if variable.endswith("_FILE"):
                assert variable.removesuffix("_FILE") in file_variables, variable
            else:
                assert variable in known, f"{name}: {variable} is not in app/settings.py"


def test_secrets_come_from_files_or_the_env_file_never_from_literals(compose):
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if any(word in variable for word in SECRET_WORDS) and not variable.endswith("_FILE"):
                assert value in ("", None) or re.fullmatch(r"\$\{[A-Z_]+(:-)?\}", value), (
                    f"{name}: {variable} must come from a file or ${{...}}"
                )
    for secret in compose["secrets"].values():
        assert set(secret) == {"file"} and secret["file"].startswith("./secrets/")
    assert not re.search(r"://[^\s:/@${}]+:[^\s@${}]+@", read("compose.yaml"))


def test_the_app_processes_get_the_database_url_as_a_docker_secret(compose):
    for name in ("app", "worker", "migrate"):
        service = compose["services"][name]
        assert service["environment"]["DATABASE_URL_FILE"] == "/run/secrets/database_url"
        assert "database_url" in service["secrets"]
    postgres = compose["services"]["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_the_app_containers_are_locked_down(compose):
    for name in ("app", "worker", "migrate"):
        service = compose["services"][name]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert service["init"] is True


def required_variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+):\?", text))


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_each_example_env_file_sets_what_compose_requires(environment):
    values = env_example(environment)
    for variable in required_variables(read("compose.yaml")):
        assert values.get(variable), f"{environment}.env.example lacks {variable}"
    assert values["COMPOSE_PROJECT_NAME"] == f"autoflow-{environment}"


def test_staging_and_prod_differ_in_project_and_domain_so_their_databases_are_apart():
    staging, prod = env_example("staging"), env_example("prod")
    assert staging["COMPOSE_PROJECT_NAME"] != prod["COMPOSE_PROJECT_NAME"]
    assert staging["AUTOFLOW_DOMAIN"] == f"staging.{prod['AUTOFLOW_DOMAIN']}"


def test_on_one_machine_only_prods_caddy_runs_and_reaches_staging_by_its_alias():
    override = load_yaml("deploy/compose.one-host.yaml")
    assert override["services"]["caddy"]["profiles"] == ["edge"]
    assert override["networks"]["edge"] == {"name": "autoflow-edge", "external": True}
    aliases = override["services"]["app"]["networks"]["edge"]["aliases"]
    assert aliases == ["${AUTOFLOW_EDGE_ALIAS:?set AUTOFLOW_EDGE_ALIAS in .env}"]
    site = read("deploy/caddy/one-host.caddy")
    assert "staging.{$AUTOFLOW_DOMAIN}" in site and "name autoflow-staging-app" in site
    assert "import autoflow_site" in site
    prod = read("deploy/prod.env.example")
    assert "#COMPOSE_PROFILES=edge" in prod and "#AUTOFLOW_EDGE_ALIAS=autoflow-prod-app" in prod
    staging = read("deploy/staging.env.example")
    assert "COMPOSE_PROFILES" not in staging.replace("No COMPOSE_PROFILES", "")
    assert "#AUTOFLOW_EDGE_ALIAS=autoflow-staging-app" in staging


def compose_command() -> list[str] | None:
    """`docker compose` (v2) when it works here, else the older `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(compose_command() is None, reason="no docker compose client here")
@pytest.mark.parametrize("environment", ["staging", "prod"])
@pytest.mark.parametrize("one_host", [False, True], ids=["own-machine", "one-machine"])
def test_docker_compose_accepts_the_file_with_each_example_env(tmp_path, environment, one_host):
    for name in ("compose.yaml", "Caddyfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / f"deploy/{environment}.env.example", tmp_path / ".env")
    (tmp_path / "secrets").mkdir()
    for secret in ("postgres_password", "database_url"):
        (tmp_path / "secrets" / secret).write_text("placeholder")
    files = ["-f", "compose.yaml"] + (["-f", "deploy/compose.one-host.yaml"] if one_host else [])
    # With the `edge` profile on, every version of compose lists caddy too.
    env = {**os.environ, "AUTOFLOW_EDGE_ALIAS": f"autoflow-{environment}-app"}
    if one_host:
        env["COMPOSE_PROFILES"] = "edge"
    result = subprocess.run(
        [*compose_command(), *files, "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert set(config["services"]) == SERVICES
    domain = env_example(environment)["AUTOFLOW_DOMAIN"]
    app = config["services"]["app"]
    assert app["environment"]["AUTOFLOW_PUBLIC_URL"] == f"https://{domain}"
    assert app["deploy"]["replicas"] == int(env_example(environment)["AUTOFLOW_APP_REPLICAS"])


# -- Caddyfile ------------------------------------------------------------------------------


def caddy_json() -> dict[str, Any] | None:
    if shutil.which("caddy") is None:
        return None
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env={**os.environ, **EXAMPLE_ENV},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def caddy_log_filter() -> tuple[str, str]:
    """The regexp and replacement applied to request>uri in the access log."""
    match = re.search(r'request>uri regexp "([^"]+)" "([^"]+)"', read("Caddyfile"))
    assert match, "the access log must filter request>uri"
    return match.group(1).replace("\\\\", "\\"), match.group(2)


@pytest.mark.parametrize(
    ("uri", "logged"),
    [
        ("/webhooks/asana/7?resource=120&handshake=tok3n", "/webhooks/asana/7?REDACTED"),
        ("/login?next=%2Fapp", "/login?REDACTED"),
        ("/invite/s3cr3t-invite-token", "/invite/REDACTED"),
        ("/invite/s3cr3t?x=1", "/invite/REDACTED?REDACTED"),
        ("/p/demo/settings", "/p/demo/settings"),
    ],
)
def test_the_access_log_never_holds_a_query_string_or_an_invite_token(uri, logged):
    pattern, replacement = caddy_log_filter()
    # Go's ${1} is Python's \g<1>; an unmatched group is empty in both.
    python_replacement = re.sub(r"\$\{(\d+)\}", r"\\g<\1>", replacement)
    assert re.sub(pattern, python_replacement, uri) == logged


SENSITIVE_LOG_FIELDS = [
    "request>headers>Authorization",
    "request>headers>Cookie",
    "request>headers>X-Hook-Secret",
    "resp_headers>Set-Cookie",
    "resp_headers>X-Hook-Secret",
]


def test_the_access_log_deletes_credentials_and_the_asana_handshake_secret():
    caddyfile = read("Caddyfile")
    for field in SENSITIVE_LOG_FIELDS:
        assert re.search(rf"^\s*{re.escape(field)} delete$", caddyfile, re.M), field
    directives = "\n".join(line.split("#")[0] for line in caddyfile.splitlines())
    assert "log_credentials" not in directives
    assert "output stdout" in caddyfile


def test_the_caddyfile_serves_the_domain_over_automatic_https_with_a_webhook_body_limit():
    caddyfile = read("Caddyfile")
    assert re.search(r"^\{\$AUTOFLOW_DOMAIN\} \{$", caddyfile, re.M)
    for forbidden in ("auto_https off", "tls internal", "http://{$AUTOFLOW_DOMAIN}"):
        assert forbidden not in caddyfile
    assert re.search(
        r"@webhooks path /webhooks/\*\s+request_body @webhooks \{\s+max_size", caddyfile
    )
    assert "reverse_proxy" in caddyfile and "name app" in caddyfile and "port 8000" in caddyfile
    # Pages carry CSRF tokens: only static files are compressed (BREACH).
    assert re.findall(r"^\s*encode .*$", caddyfile, re.M) == ["\tencode @static zstd gzip"]
    assert "@static path /static/*" in caddyfile
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options"):
        assert header in caddyfile
    assert "caddyserver.com/docs/caddyfile/directives/log" in caddyfile


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_adapts_the_caddyfile_to_the_routes_we_mean():
    config = caddy_json()
    assert config is not None
    server = config["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]
    [route] = server["routes"]
    assert route["match"] == [{"host": ["autoflow.example.com"]}]
    text = json.dumps(route)
    assert '"handler": "reverse_proxy"' in text and '"source": "a"' in text
    assert '"max_size": 5242880' in text and '"path": ["/webhooks/*"]' in text
    logs = config["logging"]["logs"]
    access = next(log for name, log in logs.items() if name != "default")
    fields = access["encoder"]["fields"]
    for field in SENSITIVE_LOG_FIELDS:
        assert fields[field] == {"filter": "delete"}, field
    assert fields["request>uri"]["filter"] == "regexp"


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_validates_the_caddyfile_with_the_one_host_staging_site(tmp_path):
    sites = tmp_path / "sites.d"
    sites.mkdir()
    shutil.copy(ROOT / "deploy/caddy/one-host.caddy", sites / "one-host.caddy")
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(read("Caddyfile").replace("/etc/caddy/sites.d", str(sites)))
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(caddyfile), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env={**os.environ, **EXAMPLE_ENV},
    )
    assert result.returncode == 0, result.stderr
    hosts = [
        route["match"][0]["host"][0]
        for route in json.loads(result.stdout)["apps"]["http"]["servers"]["srv0"]["routes"]
    ]
    assert sorted(hosts) == ["autoflow.example.com", "staging.autoflow.example.com"]


# -- Dockerfile -----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in read("Dockerfile").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            keyword, _, arguments = current.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            current = ""
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in dockerfile_instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def build_args() -> dict[str, str]:
    args = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            args[name] = value
    return args


def test_the_image_is_built_in_stages_from_a_pinned_python_311_slim_bookworm():
    args = build_args()
    froms = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    for source in froms:
        image = source.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", image), (
            f"unpinned base: {image}"
        )


def test_the_final_stage_runs_as_a_non_root_user_with_a_healthcheck():
    final = stages()[-1]
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    [healthcheck] = [arguments for keyword, arguments in final if keyword == "HEALTHCHECK"]
    assert "/healthz" in healthcheck and "CMD" in healthcheck


def test_the_final_stage_has_no_build_tools_and_no_package_caches():
    final = " ".join(arguments for keyword, arguments in stages()[-1] if keyword == "RUN")
    for tool in ("gcc", "build-essential", "python3-dev", "libpq-dev", "pip install"):
        assert tool not in final
    assert "--no-install-recommends" in final and "rm -rf /var/lib/apt/lists/*" in final


def test_every_pip_install_skips_the_cache():
    for keyword, arguments in dockerfile_instructions():
        for command in re.split(r"&&|;", arguments) if keyword == "RUN" else []:
            if "pip install" in command:
                assert "--no-cache-dir" in command, command


def test_no_secret_is_baked_into_the_image():
    for keyword, arguments in dockerfile_instructions():
        if keyword in {"ENV", "ARG"}:
            names = re.findall(r"([A-Z_][A-Z0-9_]*)=", arguments) or [arguments.split("=")[0]]
            for name in names:
                assert not any(word in name for word in SECRET_WORDS), f"{keyword} {name}"
    assert not any(keyword == "ADD" for keyword, _ in dockerfile_instructions())


def test_the_image_serves_the_web_by_default_and_never_migrates_at_start():
    final = stages()[-1]
    [cmd] = [json.loads(arguments) for keyword, arguments in final if keyword == "CMD"]
    [entrypoint] = [
        json.loads(arguments) for keyword, arguments in final if keyword == "ENTRYPOINT"
    ]
    assert cmd[:2] == ["hypercorn", "app.asgi:app"] and "migrate" not in cmd
    assert entrypoint == ["/usr/local/bin/autoflow-entrypoint"]
    assert "migrate" not in read("deploy/docker-entrypoint.sh").split("set -eu", 1)[1]


def test_the_build_context_is_an_allow_list_without_local_data_or_secrets():
    lines = [line for line in read(".dockerignore").splitlines() if line and line[0] != "#"]
    assert lines[0] == "*"
    included = [line[1:] for line in lines if line.startswith("!")]
    for path in included:
        assert not path.startswith((".env", "data", "secrets", ".git", ".venv", "tests"))
        assert (ROOT / path.rstrip("/")).exists(), path
    allowed = {path.rstrip("/") for path in included}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY" and "--from" not in arguments:
            sources = [s for s in arguments.split()[:-1] if not s.startswith("--")]
            assert set(sources) <= allowed, f"COPY {arguments} needs a ! line in .dockerignore"


def test_the_pinned_dependency_versions_satisfy_pyproject():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in read("deploy/constraints.txt").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    dependencies = tomllib.loads(read("pyproject.toml"))["project"]["dependencies"]
    for dependency in dependencies:
        requirement = Requirement(dependency)
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned, f"{requirement.name} is not pinned in deploy/constraints.txt"
        assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned}"


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed")
def test_hadolint_finds_nothing_in_the_dockerfile():
    result = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the entry point ------------------------------------------------------------------------


def entrypoint_file_variables() -> set[str]:
    script = read("deploy/docker-entrypoint.sh")
    return set(re.search(r"^for name in (.+); do$", script, re.M).group(1).split())


def run_entrypoint(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ROOT / "deploy/docker-entrypoint.sh"), *command],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
    )


def test_the_entry_point_reads_a_setting_from_its_file_and_runs_the_command(tmp_path):
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://autoflow@postgres:5432/autoflow\n")
    result = run_entrypoint({"DATABASE_URL_FILE": str(secret)}, "env")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "DATABASE_URL=postgresql://autoflow@postgres:5432/autoflow" in lines
    assert not any(line.startswith("DATABASE_URL_FILE=") for line in lines)


def test_the_entry_point_refuses_a_setting_given_twice_or_an_unreadable_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("x")
    both = run_entrypoint({"AUTOFLOW_MASTER_KEY": "y", "AUTOFLOW_MASTER_KEY_FILE": str(secret)})
    assert both.returncode == 2 and "both AUTOFLOW_MASTER_KEY" in both.stderr
    missing = run_entrypoint({"INIT_ADMIN_TOKEN_FILE": str(tmp_path / "nope")}, "true")
    assert missing.returncode == 2 and "not a readable file" in missing.stderr


def test_every_file_setting_of_the_entry_point_is_a_documented_setting():
    known = {setting.env for setting in REGISTRY}
    assert entrypoint_file_variables() <= known


# -- GitHub Actions -------------------------------------------------------------------------


def workflow(name: str) -> dict[str, Any]:
    data = load_yaml(f".github/workflows/{name}")
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") + step.get("uses", "") for step in job.get("steps", []))


def test_ci_runs_the_readme_test_command_on_pull_requests_and_for_deploys():
    ci = workflow("ci.yml")
    assert {"pull_request", "push", "workflow_call"} <= set(ci["on"])
    assert "bash .ci/run" in steps_text(ci["jobs"]["test"])
    assert ci["permissions"] == {"contents": "read"}


def test_ci_checks_the_image_compose_and_caddyfile_against_real_tools():
    text = steps_text(workflow("ci.yml")["jobs"]["deploy-files"])
    for command in ("hadolint", "docker build", "docker compose", "config", "caddy validate"):
        assert command in text


def test_deploy_goes_to_staging_on_main_and_to_prod_on_a_version_tag():
    deploy = workflow("deploy.yml")
    assert deploy["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    jobs = deploy["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["image"]["needs"] == "test"
    assert jobs["staging"]["if"] == "github.ref == 'refs/heads/main'"
    assert jobs["staging"]["environment"]["name"] == "staging"
    assert jobs["production"]["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert jobs["production"]["environment"]["name"] == "production"
    for name in ("staging", "production"):
        assert jobs[name]["needs"] == "image"
        assert "bash deploy/ssh-deploy.sh" in steps_text(jobs[name])


def test_deploy_pushes_the_image_to_ghcr_with_least_privilege():
    deploy = workflow("deploy.yml")
    assert deploy["permissions"] == {"contents": "read"}
    image = deploy["jobs"]["image"]
    assert image["permissions"]["packages"] == "write"
    build = next(s for s in image["steps"] if s.get("uses", "").startswith("docker/build-push"))
    assert build["with"]["push"] is True
    assert "ghcr.io/${{ github.repository }}" in json.dumps(image)
    for name in ("staging", "production"):
        assert deploy["jobs"][name]["permissions"]["packages"] == "read"


def test_the_rollout_migrates_first_then_rolls_app_and_worker():
    script = read("deploy/remote-deploy.sh")
    migrate = script.index("docker compose run --rm --no-TTY migrate")
    roll = script.index("docker compose up --detach --no-deps --wait --wait-timeout 180 app worker")
    assert migrate < roll
    assert "StrictHostKeyChecking=yes" in read("deploy/ssh-deploy.sh")
    for path in (".github/workflows/deploy.yml", "deploy/ssh-deploy.sh", "deploy/remote-deploy.sh"):
        assert "StrictHostKeyChecking=no" not in read(path)


def test_every_secret_the_deploy_uses_is_documented():
    text = read(".github/workflows/deploy.yml")
    header = text.split("\nname:", 1)[0]
    docs = read("docs/deploy.md")
    used = set(re.findall(r"secrets\.([A-Z_]+)", text)) - {"GITHUB_TOKEN"}
    used |= set(re.findall(r"vars\.([A-Z_]+)", text))
    assert used
    for name in used:
        assert name in header and name in docs, name


def test_the_deploy_scripts_are_valid_shell():
    for path, shell in (
        ("deploy/remote-deploy.sh", "sh"),
        ("deploy/docker-entrypoint.sh", "sh"),
        ("deploy/ssh-deploy.sh", "bash"),
    ):
        result = subprocess.run([shell, "-n", str(ROOT / path)], capture_output=True, text=True)
        assert result.returncode == 0, f"{path}: {result.stderr}"


def test_the_readme_links_the_deploy_guide():
    assert "(docs/deploy.md)" in read("README.md")
    docs = read("docs/deploy.md")
    for topic in (
        "INIT_ADMIN_TOKEN",
        "pg_dump",
        "rotate-master-key",
        "--scale worker=3",
        "autoflow migrate",
    ):
        assert topic in docs, topic
