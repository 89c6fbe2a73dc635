#!/usr/bin/env bash
# Proves the README's two set-up steps on a truly fresh Debian 12: builds a minimal
# bookworm root with mmdebstrap, copies this commit into it, and there runs
#   1. bash scripts/setup.sh            (with the network: Debian packages and PyPI wheels)
#   2. bash scripts/ensure-postgres.sh  (with the network: installs PostgreSQL)
#   3. in a network namespace of its own (so this machine's PostgreSQL on 127.0.0.1:5432
#      is out of sight): ensure-postgres.sh again -- it starts the root's new cluster
#      (scram-sha-256) and creates the test role through the local socket -- then the
#      layer check and pytest with the URL it wrote, as scripts/test.sh does.
# It prints the download sizes and durations the README quotes. Needs root and
# `apt-get install mmdebstrap`. Extra arguments go to pytest (default: the whole suite).
# Behind a TLS-inspecting proxy, FRESH_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt hands
# this machine's CA bundle to pip in the root (a fresh machine on the open net needs none).
#   bash scripts/fresh-debian-check.sh [WORKDIR] [-- PYTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-/tmp/gridcommand-fresh}"
shift || true
[ "${1:-}" = "--" ] && shift
ROOT="$WORK/root"
mkdir -p "$WORK"

if [ ! -x "$ROOT/bin/bash" ]; then
  start=$(date +%s)
  mmdebstrap --variant=minbase --mode=root bookworm "$ROOT" http://deb.debian.org/debian
  echo "fresh: minimal bookworm root in $(( $(date +%s) - start )) s, $(du -sm "$ROOT" | cut -f1) MiB"
fi
rm -rf "$ROOT/root/gridcommand"
mkdir -p "$ROOT/root/gridcommand"
git archive HEAD | tar -x -C "$ROOT/root/gridcommand"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

mounts=(proc sys dev dev/pts dev/shm)
cleanup() {
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount -l "$ROOT/${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs shm "$ROOT/dev/shm"

pip_cert=()
if [ -n "${FRESH_CA_BUNDLE:-}" ]; then
  cp "$FRESH_CA_BUNDLE" "$ROOT/etc/fresh-check-ca.crt"
  pip_cert=(PIP_CERT=/etc/fresh-check-ca.crt)
fi
pip_cert+=(PIP_LOG=/root/pip-setup.log)
in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 "${pip_cert[@]}" bash -c "cd /root/gridcommand && $1"; }

start=$(date +%s)
in_root "bash scripts/setup.sh" 2>&1 | tee "$WORK/setup.log"
setup_s=$(( $(date +%s) - start ))
start=$(date +%s)
in_root "bash scripts/ensure-postgres.sh" 2>&1 | tee "$WORK/ensure-postgres-online.log"
pg_install_s=$(( $(date +%s) - start ))
apt_mib=$(du -sm "$ROOT/var/cache/apt/archives" | cut -f1)
# pip's log names every download with its size ("Downloading NAME.whl (12.3 MB)").
pip_mb=$(grep -ho 'Downloading [^ ]* ([0-9.]* [kM]B)' "$ROOT"/root/pip-*.log 2>/dev/null \
  | sed 's/.*(\([0-9.]*\) \([kM]\)B)/\1 \2/' | while read -r n unit; do
      if [ "$unit" = k ]; then echo "$n / 1000"; else echo "$n"; fi; done | paste -sd+ | bc 2>/dev/null || echo "?")
# The install started the cluster on this machine's network; step 3 starts it in its own.
in_root "pg_lsclusters -h | while read -r v c _; do pg_ctlcluster --skip-systemctl-redirect \$v \$c stop; done"

# Offline, on its own loopback: the root's PostgreSQL is the only one.
rm -f "$ROOT/root/gridcommand/.pg-test-url"
args="${*:-}"
start=$(date +%s)
set +e
unshare --net bash -c "ip link set lo up && chroot '$ROOT' /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true bash -c 'cd /root/gridcommand \
  && bash scripts/ensure-postgres.sh && export GRIDCOMMAND_TEST_PG=\$(cat .pg-test-url) \
  && .venv/bin/lint-imports && QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -p no:cacheprovider $args; \
  code=\$?; pg_lsclusters -h | while read -r v c _; do pg_ctlcluster --skip-systemctl-redirect \$v \$c stop; done; \
  exit \$code'" 2>&1 | tee "$WORK/test.log"
code=${PIPESTATUS[0]}
set -e
test_s=$(( $(date +%s) - start ))
echo "fresh: setup.sh ${setup_s} s; PostgreSQL install ${pg_install_s} s; downloads: Debian packages ${apt_mib} MiB" \
     "(incl. PostgreSQL), PyPI ${pip_mb} MB; tests ${test_s} s, exit ${code}"
exit "$code"
