#!/usr/bin/env bash
# Sets up what Callgate needs on this machine, idempotently: Debian packages (when missing), npm dependencies
# (when the lockfile changed) and the TypeScript build (incremental). Used by `npm start`, `npm test`, CI.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[setup] $*" >&2; }
fail() { echo "[setup] ERROR: $*" >&2; exit 1; }

# 1. Node.js 20 or newer
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || fail "Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo none))"

# 2. Debian packages: command → package
declare -A NEED=( [sipp]=sip-tester [redis-server]=redis-server [flite]=flite [sox]=sox [espeak-ng]=espeak-ng
  # the dashboard's browser tests (Debian's Chromium, driven by playwright-core; no browser is ever downloaded)
  [chromium]=chromium
  # the Ansible checks: lint, syntax check and a converge into a debootstrapped Debian root
  [ansible-playbook]=ansible [ansible-lint]=ansible-lint [debootstrap]=debootstrap
  # the media bench times RTP on the wire (kernel timestamps on loopback); chrt for the real-time media thread
  [tcpdump]=tcpdump [chrt]=util-linux )
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
# agent-core's embedded speech-to-text: PocketSphinx, its US English model and its Python bindings
command -v pocketsphinx_continuous >/dev/null 2>&1 || missing+=(pocketsphinx)
[ -f /usr/share/pocketsphinx/model/en-us/en-us/mdef ] || missing+=(pocketsphinx-en-us)
/usr/bin/python3 -c 'import pocketsphinx' >/dev/null 2>&1 || missing+=(python3-pocketsphinx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    fail "missing Debian packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "missing packages ${missing[*]} and no apt-get on this machine"
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed (is the Debian mirror reachable?)"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
fi

# 3. npm dependencies, reinstalled only when package-lock.json changed since the last install
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >/dev/null || fail "npm ci failed"
fi

# 4. build (incremental)
npx tsc -b || fail "TypeScript build failed"

# 5. the supervisor page (supervisor-dashboard/web → supervisor-dashboard/dist/web): type-checked and built with
#    Vite only when its sources, the API types or the lockfile are newer than the last build (about 10 s)
web=supervisor-dashboard/web
web_stamp=supervisor-dashboard/dist/web/index.html
if [ ! -f "$web_stamp" ] || [ -n "$(find "$web" supervisor-dashboard/src/api/types.ts package-lock.json -newer "$web_stamp" -not -path "$web/dev*" -print -quit)" ]; then
  say "building the supervisor page ($web)"
  out=$(npx --no-install tsc -p "$web/tsconfig.json" --noEmit 2>&1) || { echo "$out" >&2; fail "the supervisor page does not type-check ($web)"; }
  out=$(cd supervisor-dashboard && npx --no-install vite build --config web/vite.config.ts --logLevel warn 2>&1) || { echo "$out" >&2; fail "the supervisor page did not build (vite build --config $web/vite.config.ts)"; }
  [ -f "$web_stamp" ] || fail "the supervisor page built without $web_stamp"
fi
