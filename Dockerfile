# optout-bot in a container: Debian bookworm's Python 3.11 and Chromium (no browser download),
# Korean fonts, a virtualenv in /opt/optout-bot, a non-root user with a numeric UID.
#   docker build -t optout-bot .
#   docker run --rm -p 127.0.0.1:8765:8765 -v "$PWD/data:/data" -v "$PWD/config:/config" optout-bot
#     (the local page: open the address it prints; -p 127.0.0.1:… keeps it on your machine)
#   docker run --rm -v "$PWD/data:/data" optout-bot demo
#   docker run --rm -it -v "$PWD/data:/data" -v "$PWD/optout-bot.toml:/config/optout-bot.toml:ro" \
#     -e OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD optout-bot run
# scripts/check-image.sh builds and runs it without a container registry.
FROM debian:bookworm-slim

# Packages of Debian's stable release, not pinned: a stable release changes them only for
# security fixes (Chromium gets a new major version that way), so an exact version would stop
# the build at the next update instead of making it reproducible. libatomic1: Playwright's
# bundled driver (node) needs it. chromium-headless-shell: what headless runs use (about 40 %
# less CPU per run); a headed run (xvfb-run) uses chromium.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        chromium \
        chromium-headless-shell \
        fonts-dejavu-core \
        fonts-noto-cjk \
        libatomic1 \
        python3 \
        python3-venv \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY optout_bot ./optout_bot
COPY flows ./flows
COPY fixtures ./fixtures
# pip is told to use Debian's CA store, which also holds any local CA added to the base image.
RUN python3 -m venv /opt/optout-bot \
    && PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
       /opt/optout-bot/bin/pip install --no-cache-dir --disable-pip-version-check /src \
    && rm -rf /src

RUN useradd --create-home --uid 10001 --user-group optout \
    && mkdir -p /data/evidence /config \
    && chown -R 10001:10001 /data /config
USER 10001:10001
ENV PATH="/opt/optout-bot/bin:${PATH}" \
    OPTOUT_BOT_OUTPUT__EVIDENCE_DIR=/data/evidence \
    OPTOUT_BOT_OUTPUT__LEDGER=/data/ledger.sqlite3 \
    OPTOUT_BOT_UI_IN_CONTAINER=1
VOLUME ["/data", "/config"]
WORKDIR /config
EXPOSE 8765
ENTRYPOINT ["optout-bot"]
CMD ["ui", "--port", "8765", "--no-open"]
