# Simpul in production: PostgreSQL and Redis come from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PLATFORM_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=4

WORKDIR /app
RUN useradd --create-home --uid 10001 simpul

# Dependencies first, from the same pyproject.toml as development, so code edits reuse this layer.
COPY pyproject.toml README.md ./
RUN mkdir -p core models schema permissions admin seeds services migrations \
    && for p in core models schema permissions admin seeds services migrations; do touch $p/__init__.py; done \
    && pip install . && pip uninstall -y simpul

COPY . .
RUN pip install --no-deps . && chown -R simpul:simpul /app
USER simpul

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/health')"
# Migrations run once per deployment (`docker run ... python -m server.manage migrate`), not per worker.
# The app reads X-Forwarded-For only from the proxies named in FORWARDED_ALLOW_IPS (none by default:
# set it to your load balancer's address or network, e.g. -e FORWARDED_ALLOW_IPS=10.0.0.0/8).
ENV FORWARDED_ALLOW_IPS=""
CMD ["sh", "-c", "exec uvicorn server.asgi:app --host \"$HOST\" --port \"$PORT\" --workers \"$WORKERS\" --no-proxy-headers"]
