# syntax=docker/dockerfile:1
#
# One image for every Auto-Flow process (docs/deploy.md):
#   web      hypercorn app.asgi:app --bind 0.0.0.0:8000   (the default command)
#   worker   autoflow worker
#   migrate  autoflow migrate   (one-shot, before web and worker; the web never migrates)
# DATABASE_URL is always set in a container (or DATABASE_URL_FILE, see the entry point): the
# embedded PostgreSQL of the pgserver wheel is never started here.
#
# The base is pinned to an exact Python patch release on Debian bookworm. To pin the digest as
# well: docker buildx imagetools inspect python:3.11.14-slim-bookworm, then build with
#   --build-arg PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest>
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- build: a virtual environment with the exact dependency versions -------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
WORKDIR /app

# Dependencies first (their layer is reused while only our code changes). Every dependency
# ships a wheel for linux/amd64, so no compiler is needed; --only-binary makes sure of it.
COPY pyproject.toml README.md piccolo_conf.py deploy/constraints.txt ./
RUN mkdir app && touch app/__init__.py \
    && /opt/venv/bin/pip install --no-cache-dir --only-binary=:all: -c constraints.txt . \
    && /opt/venv/bin/pip uninstall --yes autoflow \
    && rm -rf app

# Our code, installed in place (editable): templates, static files and migrations are found
# beside the package, where app/ expects them.
COPY app ./app
COPY static ./static
COPY piccolo_migrations ./piccolo_migrations
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps -e . \
    && rm -rf /app/build \
    && find /app /opt/venv -name '__pycache__' -type d -prune -exec rm -rf {} +

# --- runtime: no compiler, no pip cache, no apt lists; a user without a login ----------------
FROM ${PYTHON_IMAGE} AS runtime

# libpq5 for psycopg (the queue's connector). Debian's security updates replace its version,
# so it is not pinned (hadolint DL3008): the base tag pins the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 autoflow \
    && useradd --system --uid 10001 --gid autoflow --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin autoflow \
    && install -d -o autoflow -g autoflow -m 0700 /var/lib/autoflow

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/autoflow-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AUTOFLOW_DATA_DIR=/var/lib/autoflow \
    AUTOFLOW_HOST=0.0.0.0 \
    AUTOFLOW_PORT=8000

WORKDIR /app
# master.key and secret.key live here unless AUTOFLOW_MASTER_KEY / AUTOFLOW_SECRET_KEY are set.
VOLUME ["/var/lib/autoflow"]
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["/usr/local/bin/autoflow-entrypoint"]
CMD ["hypercorn", "app.asgi:app", "--bind", "0.0.0.0:8000", "--workers", "2", "--error-logfile", "-"]
