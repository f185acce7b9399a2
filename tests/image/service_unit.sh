#!/usr/bin/env bash
# The kiosk's systemd unit (image/vitrine.service): `systemd-analyze verify`
# must print nothing at all (it only warns about unknown keys, bad values and
# a missing ExecStart binary, with exit status 0), and `systemd-analyze
# security` must rate its exposure 2.5 or lower. Skipped when
# systemd-analyze is missing (Debian package systemd), or where systemd
# never ran and no private mount namespace can be made (see below).
#   service_unit.sh UNIT_FILE VITRINE_BIN SCRATCH_DIR
set -euo pipefail
unit=$1
bin=$2
scratch=$3
. "$(dirname "$0")/private_ns.sh"
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is missing (install the Debian package systemd)"
  exit 77
fi
rm -rf "$scratch"
mkdir -p "$scratch"

# Both commands keep a stamp in /run/systemd and make that directory if need
# be: where systemd never ran (a fresh machine, a container) it is missing,
# only root may make it, and it would be made on this machine. They run in
# a private mount namespace with an empty /run/systemd of its own; where
# none can be made, directly if /run/systemd exists.
if why=$(private_ns_check "$scratch/ns" 2>&1); then
  analyze() { private_run "$scratch/ns" /run/systemd -- systemd-analyze "$@"; }
elif [ -d /run/systemd ]; then
  analyze() { systemd-analyze "$@"; }
else
  echo "SKIP: no /run/systemd (systemd never ran here) and no private mount namespace to make one in (unshare -rm, then a tmpfs: ${why:-refused})"
  exit 77
fi

# A scratch root holding the unit where the package installs it, the binary
# where ExecStart looks for it, and the system's units it refers to
# (multi-user.target, ...): no running systemd is needed.
root=$scratch/root
mkdir -p "$root/usr/bin" "$root/lib/systemd"
cp -a /lib/systemd/system "$root/lib/systemd/"
ln -f "$bin" "$root/usr/bin/vitrine" 2>/dev/null || cp "$bin" "$root/usr/bin/vitrine"
cp "$unit" "$root/lib/systemd/system/vitrine.service"

status=0
out=$(analyze verify --root="$root" vitrine.service 2>&1) || status=$?
if [ $status -ne 0 ] || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify vitrine.service (exit $status):"
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: no message"

status=0
out=$(analyze security --offline=true --threshold=25 "$unit" 2>&1) || status=$?
# what is not restricted, and the overall figure
echo "$out" | grep -E '✗|Overall exposure' || true
if [ $status -ne 0 ] || ! echo "$out" | grep -q 'Overall exposure level'; then
  echo "FAIL: systemd-analyze security: exposure above 2.5 or no rating (exit $status)"
  echo "$out" | tail -5
  exit 1
fi
