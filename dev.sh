#!/usr/bin/env bash
# voxsite's two commands:
#   ./dev.sh start   install, migrate, seed the demo data, serve with Daphne
#   ./dev.sh test    install (with dev requirements) and run the tests; extra args go to pytest
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$(pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

usage() {
    cat <<'EOF'
usage: ./dev.sh start        install everything, migrate, seed the demo data, serve http://127.0.0.1:8000 with Daphne
       ./dev.sh test [ARGS]  install everything (incl. dev requirements) and run pytest ARGS
environment: HOST (default 127.0.0.1), PORT (default 8000); settings are read from the environment or .env (see .env.example)
EOF
}

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

install_debian_packages() {
    local wanted=("$@") missing=() pkg
    for pkg in "${wanted[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "Debian packages present: ${wanted[*]}"
        return
    fi
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "Missing Debian packages: ${missing[*]}"
        echo "    not root or no apt-get: install them yourself, e.g. sudo apt-get install -y ${missing[*]}"
        echo "    continuing; the features that need them fall back or their tests fail."
        return
    fi
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Other apt users (unattended upgrades, a parallel install) hold the lock for a while.
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
}

pick_python() {
    local cand
    for cand in python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1; then
            echo "$cand"
            return
        fi
    done
    echo "no python3.11 or python3 on PATH" >&2
    exit 1
}

ensure_venv() {
    if [ ! -x "$PY" ]; then
        local python
        python="$(pick_python)"
        say "Creating virtualenv .venv with $python ($("$python" --version 2>&1))"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
        "$PY" -m pip install --quiet --upgrade pip
    fi
    if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "warning: .venv runs $("$PY" --version 2>&1); voxsite is built for Python 3.11" >&2
    fi
}

req_stamp() {
    # Hash every file the install reads, so a change in the runtime pins also reinstalls for tests.
    echo "$VENV/.requirements-$(cat "$@" | sha256sum | cut -c1-16)"
}

ensure_requirements() {
    local file="$1" stamp dev_stamp
    if [ "$file" = requirements-dev.txt ]; then
        stamp="$(req_stamp requirements-dev.txt requirements.txt)"
        dev_stamp="$stamp"
    else
        stamp="$(req_stamp requirements.txt)"
        # The dev install includes the runtime one.
        dev_stamp="$(req_stamp requirements-dev.txt requirements.txt)"
    fi
    if [ -f "$stamp" ] || [ -f "$dev_stamp" ]; then
        say "Python requirements up to date ($file)"
        return
    fi
    say "Installing Python requirements: pip install -r $file"
    "$PY" -m pip install --disable-pip-version-check -r "$file"
    touch "$stamp"
}

ensure_file_packages() {
    # requirements-nodeps.txt: packages installed for a file they ship (pipecat-ai: the Smart Turn
    # model), without their dependencies; same stamp logic as the requirements.
    local stamp
    stamp="$(req_stamp requirements-nodeps.txt)"
    if [ -f "$stamp" ]; then
        say "Python requirements up to date (requirements-nodeps.txt)"
        return
    fi
    say "Installing without dependencies: pip install --no-deps -r requirements-nodeps.txt"
    "$PY" -m pip install --disable-pip-version-check --no-deps -r requirements-nodeps.txt
    touch "$stamp"
}

has_command() {
    "$PY" manage.py help "$1" >/dev/null 2>&1
}

# Speech out offline: espeak-ng for every language, Festival with the NSK voices (recorded
# diphones) for Hindi and Marathi.
SPEECH_PACKAGES=(espeak-ng festival festival-hi festival-mr festvox-hi-nsk festvox-mr-nsk)
# Tests only: a browser for the widget tests; Caddy, to check and run the load balancer's config
# (deploy/Caddyfile, the `lb` service of docker-compose.yml).
TEST_PACKAGES=(chromium chromium-driver caddy)

install_all() {
    local mode="$1"
    if [ "$mode" = test ]; then
        install_debian_packages "${SPEECH_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
        ensure_venv
        ensure_requirements requirements-dev.txt
    else
        install_debian_packages "${SPEECH_PACKAGES[@]}"
        ensure_venv
        ensure_requirements requirements.txt
    fi
    ensure_file_packages
}

cmd_start() {
    install_all start
    say "Migrating the database"
    "$PY" manage.py migrate --noinput
    if has_command prepare_models; then
        say "Preparing the offline speech models"
        "$PY" manage.py prepare_models
    fi
    if has_command seed_demo; then
        say "Seeding the demo data"
        "$PY" manage.py seed_demo
    else
        say "No seed_demo command yet: the shop starts empty"
    fi
    local host="${HOST:-127.0.0.1}" port="${PORT:-8000}" shown
    shown="$host"
    [ "$host" = 0.0.0.0 ] && shown=127.0.0.1
    local base="http://$shown:$port"
    local login
    # Settings only (no django.setup): the login seed_demo created, as .env or the defaults say.
    login="$(DJANGO_SETTINGS_MODULE=voxsite.settings "$PY" -c 'from django.conf import settings as s; print(f"{s.DEMO_STAFF_USERNAME} / {s.DEMO_STAFF_PASSWORD}")' 2>/dev/null || echo "staff / voxsite-demo")"
    cat <<EOF

  Shop        $base/
  Admin       $base/admin/      (demo staff login: $login)
  API docs    $base/api/docs/
  Health      $base/api/health   $base/api/health/ready   $base/api/health/metrics

EOF
    say "Serving with Daphne on $host:$port (Ctrl-C stops)"
    # manage.py serve: Daphne with --ping-interval 10 --ping-timeout 30; WEB_CONCURRENCY=N starts N
    # processes on the port (needs REDIS_URL).
    exec "$PY" manage.py serve --host "$host" --port "$port"
}

cmd_test() {
    install_all test
    say "Running the tests: pytest $*"
    exec "$PY" -m pytest "$@"
}

main() {
    local sub="${1:-}"
    [ $# -gt 0 ] && shift
    case "$sub" in
        start) cmd_start "$@" ;;
        test) cmd_test "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
