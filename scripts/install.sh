#!/usr/bin/env bash
# Install everything the build and the tests need: Debian packages (browser for the tests,
# poppler for PDF checks, pango for WeasyPrint, Java and Node for the HTML checkers), a Python
# virtual environment in .venv, and the checkers from npm (vnu-jar, axe-core) in node_modules/.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Java and Node may come from elsewhere than Debian (a Node.js that bundles npm conflicts with
# Debian's npm package), so ask for the commands, not the packages.
command -v java >/dev/null || missing+=(default-jre-headless)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" = none ]; then
    echo "install.sh: please install these Debian packages: ${missing[*]}" >&2
  else
    echo "install.sh: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed-$(cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "install.sh: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  .venv/bin/python -m pip install -q --no-deps -e . >/dev/null 2>&1 || .venv/bin/python -m pip install --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The HTML checkers the tests run (Nu HTML Checker, axe-core), pinned in package-lock.json.
npm_stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
if command -v npm >/dev/null && [ ! -f "$npm_stamp" ]; then
  echo "install.sh: installing the HTML checkers into node_modules/"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi
