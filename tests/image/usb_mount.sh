#!/usr/bin/env bash
# The USB stick rule (image/udev/99-vitrine-usb.rules) run by udev's own rule
# engine (`udevadm test`, in a private mount namespace so that nothing on
# this machine changes), then the mount helper's decisions (image/udev/
# usb-mount with VITRINE_USB_DRY_RUN=1: the systemd-mount commands it would
# run). The namespace has its own empty /etc/udev/rules.d, /run/udev and
# /dev, made there whether or not they exist on this machine (/run/udev
# does not where udevd never ran). Skipped when udevadm is missing (Debian
# package udev) or no private mount namespace can be made here.
#   usb_mount.sh IMAGE_DIR SCRATCH_DIR
set -euo pipefail
image=$1
scratch=$2
. "$(dirname "$0")/private_ns.sh"
fail() { echo "FAIL: $*"; exit 1; }
if ! command -v udevadm >/dev/null; then
  echo "SKIP: udevadm is missing (install the Debian package udev)"
  exit 77
fi
rm -rf "$scratch"
mkdir -p "$scratch"

# --- the rule --------------------------------------------------------------
# Any block device of this machine stands in for a stick: a rule that runs
# just before ours gives it the properties udev's blkid and usb_id builtins
# give a stick.
dev=$(ls /sys/class/block | head -n 1)
[ -n "$dev" ] || fail "no block device in /sys/class/block to run the rule on"
udev_test() {  # ACTION BUS FSTYPE: udevadm test's output; fails the suite if it could not run
  local out status=0
  printf 'SUBSYSTEM=="block", KERNEL=="%s", ENV{ID_BUS}="%s", ENV{ID_FS_USAGE}="filesystem", ENV{ID_FS_TYPE}="%s"\n' \
    "$dev" "$2" "$3" > "$scratch/98-stick.rules"
  out=$(private_run "$scratch/ns" /etc/udev/rules.d /run/udev /dev -- sh -c '
    touch /dev/null && cp "$1" "$2" /etc/udev/rules.d/ && exec udevadm test --action="$3" "/sys/class/block/$4"' \
    sh "$image/udev/99-vitrine-usb.rules" "$scratch/98-stick.rules" "$1" "$dev" 2>&1) || status=$?
  if [ $status -ne 0 ]; then  # on stderr: the caller keeps stdout
    printf 'FAIL: udevadm test --action=%s on %s did not run (exit %s):\n%s\n' "$1" "$dev" $status "$out" >&2
    exit 1
  fi
  echo "$out"
}
rule_checks() {
  out=$(udev_test add usb vfat)
  # udev names the file and line of every rule it cannot parse
  if echo "$out" | grep '99-vitrine-usb.rules:' | grep -v " RUN '/usr/libexec/vitrine/usb-mount"; then
    fail "udev complains about the rule"
  fi
  echo "$out" | grep -qx "run: '/usr/libexec/vitrine/usb-mount add /dev/$dev'" ||
    fail "a FAT stick is not mounted: $(echo "$out" | grep '^run:' || echo 'no RUN')"
  for fs in exfat ext4; do
    out=$(udev_test add usb $fs)
    grep -q "usb-mount add /dev/$dev" <<<"$out" || fail "a stick with $fs is not mounted"
  done
  out=$(udev_test add usb ntfs)
  grep -q usb-mount <<<"$out" && fail "an NTFS stick is mounted"
  out=$(udev_test add ata vfat)
  grep -q usb-mount <<<"$out" && fail "a disk that is not on USB is mounted"
  out=$(udev_test remove usb vfat)
  grep -qx "run: '/usr/libexec/vitrine/usb-mount remove /dev/$dev'" <<<"$out" ||
    fail "a stick pulled out is not unmounted"
  echo "rule: FAT, exFAT, ext4 on USB mounted; NTFS and non-USB disks left alone; removal unmounts"
}
# Where no private mount namespace can be made, the helper's checks below
# still run, then the suite is skipped, saying why.
skipped=''
if why=$(private_ns_check "$scratch/ns" 2>&1); then
  rule_checks
else
  skipped="the rule was not run: no private mount namespace for udevadm test (unshare -rm, then a tmpfs: ${why:-refused})"
fi

# --- the helper ------------------------------------------------------------
helper=$image/udev/usb-mount
root=$scratch/usb
me=$(id -un)
uid=$(id -u)
gid=$(id -g)
helper_run() {  # ACTION DEV, with ID_FS_* from the caller's environment
  VITRINE_USB_DRY_RUN=1 VITRINE_USB_ROOT=$root VITRINE_USB_USER=$me "$helper" "$@" 2>/dev/null
}
expect() {  # WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1:
  expected: $2
  got:      $3"
}
mount_cmd() {  # FSTYPE OPTIONS DEV WHERE
  echo "systemd-mount --no-block --automount=no --collect --fsck=no --type=$1 --options=$2 --description=USB stick for the kiosk ($4) $3 $4"
}
base=nosuid,nodev,noexec,noatime
fat=uid=$uid,gid=$gid,fmask=0137,dmask=0027

expect "a FAT stick: read-only, owned by the kiosk's user, named after its label" \
  "$(mount_cmd vfat "ro,$base,$fat,utf8" /dev/sdz1 "$root/Salon_2025")" \
  "$(ID_FS_TYPE=vfat ID_FS_LABEL='Salon 2025' ID_FS_UUID=1234-ABCD helper_run add /dev/sdz1)"
expect "the export stick (label VITRINE-OUT): read-write, still nosuid,nodev,noexec" \
  "$(mount_cmd vfat "rw,$base,$fat,utf8" /dev/sdz1 "$root/VITRINE-OUT")" \
  "$(ID_FS_TYPE=vfat ID_FS_LABEL=VITRINE-OUT helper_run add /dev/sdz1)"
expect "an exFAT export stick" \
  "$(mount_cmd exfat "rw,$base,$fat" /dev/sdz1 "$root/VITRINE-OUT")" \
  "$(ID_FS_TYPE=exfat ID_FS_LABEL=VITRINE-OUT helper_run add /dev/sdz1)"
expect "an ext4 stick with no label: named by UUID, its journal not replayed" \
  "$(mount_cmd ext4 "ro,$base,noload" /dev/sdz "$root/0b9c8f2e-5d1a-4c3e-9f7a-2d6b1e8c4a10")" \
  "$(ID_FS_TYPE=ext4 ID_FS_UUID=0b9c8f2e-5d1a-4c3e-9f7a-2d6b1e8c4a10 helper_run add /dev/sdz)"
expect "a label that tries to leave the directory" \
  "$(mount_cmd vfat "ro,$base,$fat,utf8" /dev/sdz1 "$root/etc")" \
  "$(ID_FS_TYPE=vfat ID_FS_LABEL=../etc helper_run add /dev/sdz1)"
expect "no label, no UUID: the kernel's name" \
  "$(mount_cmd vfat "ro,$base,$fat,utf8" /dev/sdz1 "$root/sdz1")" \
  "$(ID_FS_TYPE=vfat helper_run add /dev/sdz1)"
expect "the board's own root partition" "" "$(ID_FS_TYPE=ext4 ID_FS_LABEL=RASPIROOT helper_run add /dev/sda2)"
expect "NTFS" "" "$(ID_FS_TYPE=ntfs ID_FS_LABEL=STICK helper_run add /dev/sdz1)"
expect "a device that is already mounted (here: proc)" "" "$(ID_FS_TYPE=vfat helper_run add proc)"
status=0
VITRINE_USB_DRY_RUN=1 VITRINE_USB_ROOT=$root VITRINE_USB_USER=no-such-user-here ID_FS_TYPE=vfat \
  "$helper" add /dev/sdz1 2>/dev/null >/dev/null || status=$?
expect "no kiosk user: refused" 1 $status

mkdir -p "$root/gone"
expect "removal: mounts of other devices are left alone, left-over mount points removed" \
  "rmdir $root/gone" "$(helper_run remove proc)"
echo "helper: mount options, names and refusals as expected"
if [ -n "$skipped" ]; then
  echo "SKIP: $skipped"
  exit 77
fi
