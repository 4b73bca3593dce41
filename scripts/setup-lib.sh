# Functions of scripts/setup.sh, sourced by it and by tests/engine/test_install.py. Every fact
# about the machine comes from a command or a variable below, so a test can fake it.
# shellcheck shell=bash

SYSTEM_CHROMIUM=${SYSTEM_CHROMIUM:-/usr/bin/chromium}
# Where Debian's chromium-headless-shell package puts its binary (optout_bot/browser/ uses it for
# headless runs when it is there).
HEADLESS_SHELL=${HEADLESS_SHELL:-/usr/lib/chromium/chromium-headless-shell}
# How long the reachability probe of Playwright's download host and the download itself may
# take, in seconds: a machine without that host must not make setup hang.
PROBE_SECONDS=${PROBE_SECONDS:-15}
DOWNLOAD_SECONDS=${DOWNLOAD_SECONDS:-900}

if ! command -v timeout >/dev/null; then
  # macOS has no timeout(1); perl's alarm bounds a command the same way.
  timeout() { local seconds=$1; shift; perl -e 'alarm shift; exec @ARGV or die "$!\n"' "$seconds" "$@"; }
fi

# True when FILE is not a browser but Ubuntu's wrapper that starts the Chromium snap
# (`apt-get install chromium` installs one there); Playwright cannot drive the snap.
is_snap_stub() {
  local file=$1 target
  for target in "$(readlink "$file" 2>/dev/null)" "$(readlink -f "$file" 2>/dev/null)"; do
    case "$target" in /snap/*) return 0 ;; esac
  done
  [ "$(head -c 2 "$file" 2>/dev/null)" = "#!" ] && grep -q '/snap/' "$file"
}

# True when the system's Chromium exists, is a real browser and starts.
system_chromium_usable() {
  [ -x "$SYSTEM_CHROMIUM" ] && ! is_snap_stub "$SYSTEM_CHROMIUM" \
    && timeout 30 "$SYSTEM_CHROMIUM" --version >/dev/null 2>&1
}

# True when Playwright (in the virtualenv's PYTHON) has downloaded its own Chromium already:
# optout-bot then uses that one (optout_bot/browser/ prefers it).
playwright_has_chromium() {
  timeout 60 "$1" -c 'import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)' >/dev/null 2>&1
}

# True when Playwright's download host answers within PROBE_SECONDS: only then is the download
# worth trying (it retries for long on a machine that cannot reach it).
playwright_download_reachable() {
  timeout "$PROBE_SECONDS" "$1" -c 'import os, socket, urllib.parse
url = os.environ.get("PLAYWRIGHT_DOWNLOAD_HOST") or "https://cdn.playwright.dev"
host = urllib.parse.urlsplit(url if "//" in url else "https://" + url)
socket.create_connection((host.hostname, host.port or 443), timeout=10).close()' >/dev/null 2>&1
}

# True when root's powers are at hand: root itself, or sudo without a password, or sudo with
# a terminal to ask for one.
can_be_root() {
  [ "$(id -u)" -eq 0 ] && return 0
  command -v sudo >/dev/null || return 1
  sudo -n true 2>/dev/null || [ -t 0 ]
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# True when apt can install packages here.
can_apt() { command -v apt-get >/dev/null && can_be_root; }

# True when apt's `chromium` is only the transitional package that installs the snap (Ubuntu).
apt_chromium_is_snap() {
  apt-cache show chromium 2>/dev/null | grep -qi snap
}

# True when Debian's headless shell should be installed beside the system's Chromium: the
# browser is Debian's (not Playwright's own), the shell is missing, and apt can install
# (whether apt knows the package is learnt by trying: a fresh machine's package lists may be
# empty until apt_install updates them). Headless runs work without it, on Chromium itself,
# at about 40 % more CPU per run.
wants_headless_shell() {
  [ "$1" != playwright ] && [ ! -x "$HEADLESS_SHELL" ] && can_apt
}

# Which browser setup gets, without installing anything; one word:
#   playwright  Playwright's own Chromium is already downloaded (optout-bot uses it first)
#   system      the system's Chromium at SYSTEM_CHROMIUM works
#   download    Playwright's download host answers: download Playwright's Chromium
#   apt         install Debian's Chromium with apt
#   none        nothing here can give a browser
# SETUP_BROWSER=playwright or SETUP_BROWSER=system forces one way.
choose_browser() {
  local python=$1
  case "${SETUP_BROWSER:-auto}" in
    playwright) if playwright_has_chromium "$python"; then echo playwright; else echo download; fi
                return ;;
    system) if system_chromium_usable; then echo system
            elif can_apt && ! apt_chromium_is_snap; then echo apt
            else echo none; fi
            return ;;
  esac
  if playwright_has_chromium "$python"; then echo playwright
  elif system_chromium_usable; then echo system
  elif playwright_download_reachable "$python"; then echo download
  elif can_apt && ! apt_chromium_is_snap; then echo apt
  else echo none
  fi
}

# The one line that says what to do when no browser can be had here.
no_browser_advice() {
  if [ -e "$SYSTEM_CHROMIUM" ] && is_snap_stub "$SYSTEM_CHROMIUM"; then
    echo "no usable browser: $SYSTEM_CHROMIUM is Ubuntu's wrapper for the Chromium snap, which" \
      "Playwright cannot drive, and Playwright's download (cdn.playwright.dev) is not reachable:" \
      "allow that download and rerun, or install Chromium or Google Chrome from a .deb and set" \
      "browser.executable"
  elif [ "$(uname -s)" = Darwin ]; then
    echo "no browser: Playwright's download (cdn.playwright.dev) is not reachable: allow it and" \
      "rerun, or install Google Chrome and set browser.executable to" \
      "'/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'"
  elif command -v apt-get >/dev/null; then
    echo "no browser: run this script as root or with sudo (it installs Debian's chromium), or" \
      "ask an administrator to run 'apt-get install chromium fonts-noto-cjk'"
  else
    echo "no browser: install Chromium with your package manager (or allow Playwright's download" \
      "from cdn.playwright.dev) and rerun; set browser.executable if it is not $SYSTEM_CHROMIUM"
  fi
}

# A Python 3.11 or newer on PATH, printed; nothing when there is none.
find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# The one line that says what to install when no Python 3.11+ can be had here.
no_python_advice() {
  if [ "$(uname -s)" = Darwin ]; then
    echo "needs Python 3.11 or newer: install it from https://www.python.org/downloads/macos/" \
      "(or install Homebrew from https://brew.sh and rerun), then rerun this script"
  elif command -v apt-get >/dev/null; then
    echo "needs Python 3.11 or newer: run this script as root or with sudo, or ask an" \
      "administrator to run 'apt-get install python3 python3-venv'"
  else
    echo "needs Python 3.11 or newer with venv: install it with your package manager, then rerun"
  fi
}
