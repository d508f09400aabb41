# Stepping Stones: one image for web (gunicorn), migrate (one-off) and worker (rq).
# Build: docker compose build   (see docker-compose.yml and README.md "Running with Docker Compose")

# --- front-end assets: NHS.UK frontend and Swagger UI, served locally (no CDN) -----------------
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
RUN mkdir -p vendor/nhsuk vendor/swagger-ui \
 && cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css \
       node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js vendor/nhsuk/ \
 && cp -R node_modules/nhsuk-frontend/dist/nhsuk/assets vendor/nhsuk/assets \
 && cp node_modules/swagger-ui-dist/swagger-ui.css \
       node_modules/swagger-ui-dist/swagger-ui-bundle.js \
       node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js vendor/swagger-ui/

# --- the application ---------------------------------------------------------------------------
# Bookworm: its postgresql-client is 15, the major version docker-compose.yml runs (pg_dump and
# pg_restore must match the server for `flask backup drill`).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=core \
    ENV=production \
    INSTANCE_DIR=/var/lib/stepping-stones

RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 stepping \
 && useradd --system --uid 10001 --gid stepping --create-home --home-dir /home/stepping stepping \
 && mkdir -p /var/lib/stepping-stones && chown stepping:stepping /var/lib/stepping-stones

WORKDIR /app
# The source (minus what .dockerignore leaves out: tests, caches, local state).
COPY . .
COPY --from=assets /src/vendor ./core/static/vendor
# Editable, so core.config.ROOT is /app: migrations/ and tenants/ are found beside core/.
RUN pip install -e . && chown -R root:root /app && chmod -R a+rX /app

USER stepping
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "core:create_app()"]
