# Shared set-up of scripts/start and scripts/test; sourced, not run.
#
# Makes sure that Odoo 18 imports in $PYTHON (installing it from the checkout
# named by ODOO_SRC, else from branch 18.0 of the official repository), that
# the packages of requirements.txt are installed, and works out the addons
# path and the PostgreSQL options. Quick when everything is already there.
#
# Variables read: PYTHON (default python3), ODOO_SRC (an Odoo 18 checkout),
# ODOO_REPO (default the official repository), PGHOST, PGPORT, PGUSER,
# PGPASSWORD (the usual libpq variables; unset means the local server).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
ODOO_REPO="${ODOO_REPO:-https://github.com/odoo/odoo.git}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/odoo-kubernetes"
ADDONS=(
    kubernetes_base
    kubernetes_backend_api
    kubernetes_backend_kr8s
    kubernetes_portal
    subscription_oca_portal
    website_sale_kubernetes_subscription_oca
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

pip_install() {
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "$@"
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        say "Cannot run '$*' without root; install it by hand."; return 1
    fi
}

apt_install() {
    command -v apt-get >/dev/null || return 0
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

odoo_importable() {
    "$PYTHON" -c "import odoo, sys; sys.exit(0 if odoo.release.version_info[0] == 18 else 1)" \
        >/dev/null 2>&1
}

install_odoo() {
    local src="${ODOO_SRC:-$CACHE_DIR/odoo-18.0}"
    if [ ! -f "$src/odoo/release.py" ]; then
        say "Odoo 18 is not importable: cloning branch 18.0 into $src"
        mkdir -p "$(dirname "$src")"
        git clone --quiet --depth 1 --branch 18.0 "$ODOO_REPO" "$src"
    fi
    say "Installing Odoo 18 from $src (a few minutes, once)"
    apt_install libldap2-dev libsasl2-dev libpq-dev build-essential
    pip_install "setuptools<70" wheel
    # Odoo's own pins, less the few that requirements.txt replaces (see there).
    local pins
    pins="$(mktemp)"
    grep -v -i -E '^(cryptography|pyopenssl|urllib3|cbor2|werkzeug)[=<> ]' \
        "$src/requirements.txt" > "$pins"
    grep -i -E '^(cryptography|pyopenssl|urllib3|cbor2|werkzeug)==' \
        "$ROOT/requirements.txt" >> "$pins"
    pip_install --prefer-binary --no-build-isolation -r "$pins"
    rm -f "$pins"
    pip_install --no-build-isolation --no-deps -e "$src"
    odoo_importable || { say "Odoo 18 still does not import with $PYTHON"; exit 1; }
}

install_requirements() {
    # A stamp keyed on requirements.txt keeps the second run instant.
    local stamp
    stamp="$CACHE_DIR/requirements-$("$PYTHON" -c 'import hashlib,sys;print(hashlib.sha1(open(sys.argv[1],"rb").read()).hexdigest()[:12])' "$ROOT/requirements.txt")"
    if [ -f "$stamp" ] && "$PYTHON" -c "import kubernetes, kr8s, kmock, odoo.addons.component, odoo.addons.subscription_oca" >/dev/null 2>&1; then
        return 0
    fi
    say "Installing the Python packages of requirements.txt"
    if ! pip_install -r "$ROOT/requirements.txt"; then
        # The OCA wheels ask for odoo==18.0.*, which pip cannot see when Odoo
        # was put on the path by hand: install them without that check.
        grep -v -E '^odoo-addon-' "$ROOT/requirements.txt" > "$CACHE_DIR/req-no-oca.txt"
        pip_install -r "$CACHE_DIR/req-no-oca.txt"
        pip_install --no-deps $(grep -E '^odoo-addon-' "$ROOT/requirements.txt")
    fi
    touch "$stamp"
}

odoo_addons_path() {
    # A git checkout keeps the core addons beside the odoo package; a
    # packaged Odoo finds them on its own.
    local core
    core="$("$PYTHON" -c 'import odoo, os; print(os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons"))')"
    if [ -d "$core/web" ]; then
        printf '%s,%s' "$core" "$ROOT"
    else
        printf '%s' "$ROOT"
    fi
}

db_options() {
    DB_OPTS=()
    [ -n "${PGHOST:-}" ] && DB_OPTS+=(--db_host "$PGHOST")
    [ -n "${PGPORT:-}" ] && DB_OPTS+=(--db_port "$PGPORT")
    [ -n "${PGUSER:-}" ] && DB_OPTS+=(--db_user "$PGUSER")
    [ -n "${PGPASSWORD:-}" ] && DB_OPTS+=(--db_password "$PGPASSWORD")
    if ! "$PYTHON" - <<'EOF' >/dev/null 2>&1
import os, psycopg2
psycopg2.connect(dbname="postgres", host=os.environ.get("PGHOST") or None).close()
EOF
    then
        say "PostgreSQL does not answer (PGHOST=${PGHOST:-local socket}); start it or set PG* variables."
        exit 1
    fi
    if [ "${PGUSER:-$(id -un)}" = postgres ]; then
        say "Odoo refuses to run as the PostgreSQL role 'postgres': set PGUSER to another role."
        exit 1
    fi
    return 0
}

setup() {
    mkdir -p "$CACHE_DIR"
    odoo_importable || install_odoo
    install_requirements
    ADDONS_PATH="$(odoo_addons_path)"
    db_options
}
