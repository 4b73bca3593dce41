# optout-bot in a container: Debian's Chromium (no browser download), Korean fonts, non-root.
#   docker build -t optout-bot .
#   docker run --rm -v "$PWD/evidence:/data/evidence" -v "$PWD/optout-bot.toml:/config/optout-bot.toml:ro" \
#     -e OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD optout-bot run
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 optout
WORKDIR /app
COPY pyproject.toml README.md ./
COPY optout_bot ./optout_bot
COPY flows ./flows
COPY fixtures ./fixtures
RUN pip install --no-cache-dir .

RUN mkdir -p /data/evidence /config && chown -R optout:optout /data /config
USER optout
ENV OPTOUT_BOT_OUTPUT__EVIDENCE_DIR=/data/evidence \
    OPTOUT_BOT_OUTPUT__LEDGER=/data/ledger.sqlite3 \
    OPTOUT_BOT_BROWSER__EXECUTABLE=/usr/bin/chromium
VOLUME ["/data", "/config"]
WORKDIR /config
ENTRYPOINT ["optout-bot"]
CMD ["demo"]
