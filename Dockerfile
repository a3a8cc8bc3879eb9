# Production image: one image, three processes (see Procfile). The embedded servers are for
# local use only; in production set POSTGRES_CONNECTION_STRING and REDIS_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install -c constraints.txt . \
    && useradd --create-home --uid 10001 bot

USER bot
EXPOSE 8000
# Railway and most platforms override the command per service: bridge, worker, web.
CMD ["randomatch-bot", "worker"]
