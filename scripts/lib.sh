# Shared helpers for scripts/*; source it, don't run it.
# shellcheck shell=bash

KEFU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

if [ -t 2 ]; then
  say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
else
  say() { printf '==> %s\n' "$*" >&2; }
fi
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@" || die "needs root for: $*"; fi
}

# Find uv, installing it from PyPI with pip when it is missing. Sets the array UV.
ensure_uv() {
  if command -v uv >/dev/null 2>&1; then
    UV=(uv)
    return
  fi
  if ! python3 -m uv --version >/dev/null 2>&1; then
    # --user for a plain interpreter, none inside a virtualenv, and Debian's own python3 refuses
    # both (PEP 668) unless told that a user-site install can't break its packages.
    say "installing uv from PyPI (pip install --user uv)"
    python3 -m pip install --quiet --user uv </dev/null \
      || python3 -m pip install --quiet uv </dev/null \
      || python3 -m pip install --quiet --user --break-system-packages uv </dev/null \
      || die "could not install uv with pip (is python3-pip installed?)"
  fi
  UV=(python3 -m uv)
}

# Install the locked dependencies (the dev group included) into .venv.
sync_env() {
  ensure_uv
  say "installing Python dependencies (uv sync --frozen)"
  (cd "$KEFU_ROOT" && "${UV[@]}" sync --frozen </dev/null)
}

# Install the locked front-end libraries (package-lock.json: Apache ECharts) into node_modules with
# `npm ci`, once per lock file: Kefu serves them itself, nothing comes from a CDN. npm comes from
# Debian when it is missing.
sync_assets() {
  local stamp="$KEFU_ROOT/node_modules/.kefu-lock" want
  want="$(sha256sum "$KEFU_ROOT/package-lock.json" | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return
  command -v npm >/dev/null 2>&1 || apt_install_missing npm
  say "installing front-end libraries (npm ci: $(cd "$KEFU_ROOT" && node -p 'Object.entries(require("./package.json").dependencies).map(e => e.join(" ")).join(", ")'))"
  (cd "$KEFU_ROOT" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null)
  printf '%s\n' "$want" >"$stamp"
}

# Run a command inside the project's environment without syncing again.
uvrun() { (cd "$KEFU_ROOT" && "${UV[@]}" run --no-sync "$@"); }

# apt-get install the given Debian packages that are not installed yet (apt-get update first).
apt_install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq </dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

# Print a free TCP port on 127.0.0.1: the preferred one if it is free, else any.
free_port() {
  python3 - "$1" <<'PY'
import socket, sys
for port in (int(sys.argv[1]), 0):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
PY
}
