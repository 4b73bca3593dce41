#!/usr/bin/env bash
# Sets up what is missing: Python 3.11+, a virtualenv in .venv with optout-bot and its test
# tools, Korean fonts, and a browser: Playwright's own Chromium when it is already downloaded or
# its download host answers, else Debian's chromium (apt). Says in one line which browser it
# chose (SETUP_BROWSER=playwright or =system forces one), and in one line what to install when
# it cannot set this machine up. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup-lib.sh
. scripts/setup-lib.sh

say() { echo "setup: $*" >&2; }
die() { say "$*"; exit 1; }
apt_updated=0
apt_install() {
  say "installing $* (apt)"
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Python 3.11+, able to make a virtualenv.
if ! python=$(find_python); then
  if [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null; then
    say "installing Python 3.11 (Homebrew)"
    brew install python@3.11 >/dev/null
    python=$(brew --prefix python@3.11)/bin/python3.11
  elif can_apt; then
    apt_install python3 python3-venv
    python=$(find_python) || die "$(no_python_advice)"
  else
    die "$(no_python_advice)"
  fi
fi
if [ ! -x .venv/bin/python ] && ! "$python" -c 'import ensurepip' 2>/dev/null; then
  # Debian's and Ubuntu's Python make virtualenvs only with their -venv package.
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  can_apt || die "needs python${version}-venv: run this script as root or with sudo, or ask" \
    "an administrator to run 'apt-get install python${version}-venv'"
  apt_install "python${version}-venv"
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$python" -m venv .venv
fi
if ! .venv/bin/python -c "import optout_bot, pytest, playwright" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  say "installing optout-bot into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  touch .venv/.installed
fi

# Korean fonts, so screenshots of Korean pages show text, not boxes.
if command -v apt-get >/dev/null && ! compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK*' >/dev/null; then
  if can_apt; then apt_install fonts-noto-cjk
  else say "no Korean fonts: ask an administrator to run 'apt-get install fonts-noto-cjk'"; fi
fi

# A real IMAP server for the tests of the confirmation-email proof (started by the tests on
# 127.0.0.1 with their own configuration; the system's Dovecot service is never started).
if command -v apt-get >/dev/null && [ ! -x /usr/sbin/dovecot ]; then
  if can_apt; then apt_install dovecot-imapd
  else say "no Dovecot: the mail tests need 'apt-get install dovecot-imapd'"; fi
fi

system_label() {
  local name="the system's Chromium"
  [ -f /etc/debian_version ] && name="Debian's Chromium"
  echo "$name, $SYSTEM_CHROMIUM ($("$SYSTEM_CHROMIUM" --version 2>/dev/null | head -1))"
}
install_debian_chromium() {
  apt_install chromium
  system_chromium_usable || die "$(no_browser_advice)"
}

choice=$(choose_browser .venv/bin/python)
case "$choice" in
  playwright) line="Playwright's own Chromium (already downloaded)" ;;
  system) line="$(system_label); Playwright's download not needed" ;;
  download)
    deps=()
    if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null && can_be_root; then
      deps=(--with-deps)
    fi
    say "downloading Playwright's Chromium (at most ${DOWNLOAD_SECONDS} s)"
    if timeout "$DOWNLOAD_SECONDS" .venv/bin/python -m playwright install ${deps[@]+"${deps[@]}"} chromium \
         >.venv/playwright-install.log 2>&1; then
      line="Playwright's own Chromium (downloaded now)"
      choice=playwright
    elif can_apt && ! apt_chromium_is_snap; then
      install_debian_chromium
      line="$(system_label); Playwright's download failed (.venv/playwright-install.log)"
      choice=apt
    else
      die "$(no_browser_advice)"
    fi
    ;;
  apt)
    install_debian_chromium
    line="$(system_label); Playwright's download host is not reachable"
    ;;
  *) die "$(no_browser_advice)" ;;
esac
say "browser: $line"
# $choice now names the browser in use: playwright, system or apt (a failed download fell back).
if wants_headless_shell "$choice"; then
  apt_install chromium-headless-shell || say "no headless shell: headless runs use Chromium itself"
fi
