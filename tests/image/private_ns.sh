# Sourced by the device files' suites: a command run in a private mount
# namespace (`unshare -rm`: in a user namespace too, so that no privilege is
# needed) where some directories are empty tmpfs, whether they exist on this
# machine or not (where udevd or systemd never ran, a fresh machine or a
# container, /run/udev and /run/systemd are missing). Nothing on the
# machine changes; mount -n: not even libmount's table in /run/mount.

# private_ns_check STAGE: false where no such namespace can be made here,
# with the reason on stderr. STAGE: an empty scratch directory.
private_ns_check() {
  mkdir -p "$1" && unshare -rm mount -n -t tmpfs tmpfs "$1"
}

# private_dir DIR STAGE (in the namespace): DIR, empty, on a tmpfs. Where
# DIR is missing, the nearest directory above it that exists is covered by a
# tmpfs holding the same entries (bind mounts, symbolic links) and DIR.
private_dir() {
  local dir=$1 stage=$2 top=$1 e name
  while [ ! -d "$top" ]; do top=$(dirname "$top"); done
  [ "$top" != / ] || { echo "private_dir: no directory above $dir but /" >&2; return 1; }
  mkdir -p "$stage"
  mount -n -t tmpfs -o "mode=$(stat -c %a "$top")" tmpfs "$stage"
  if [ "$top" != "$dir" ]; then
    while IFS= read -r -d '' e; do
      name=${e##*/}
      if [ -L "$e" ]; then
        ln -s "$(readlink "$e")" "$stage/$name"
      elif [ -d "$e" ]; then
        mkdir "$stage/$name" && mount -n --rbind "$e" "$stage/$name"
      else
        touch "$stage/$name" && mount -n --bind "$e" "$stage/$name"
      fi
    done < <(find "$top" -mindepth 1 -maxdepth 1 -print0)
    mkdir -p "$stage/${dir#"$top"/}"
  fi
  mount -n --move "$stage" "$top"
}

# private_run STAGE DIR... -- COMMAND [ARG...]: COMMAND in a private mount
# namespace where each DIR is empty (private_dir). STAGE: a scratch
# directory, outside every DIR.
private_run() {
  local stage=$1 dirs=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
  [ $# -gt 1 ] || { echo "usage: private_run STAGE DIR... -- COMMAND [ARG...]" >&2; return 2; }
  shift
  unshare -rm bash -c "$(declare -f private_dir)"'
    set -euo pipefail
    stage=$1 n=$2
    shift 2
    for (( ; n > 0; n-- )); do private_dir "$1" "$stage"; shift; done
    exec "$@"' private_run "$stage" ${#dirs[@]} "${dirs[@]}" "$@"
}
