#!/usr/bin/env bash
# The manual page (image/vitrine.1): man reads it without a warning, and it
# names every command, subcommand and option that `vitrine --help` lists,
# so a command added to the program and not to the page fails here.
#   man_page.sh MAN_PAGE VITRINE_BIN
# (a cross build's binary runs under $VITRINE_TEST_EMULATOR)
set -euo pipefail
page=$1
bin=$2
if ! command -v man >/dev/null; then
  echo "SKIP: man is missing (install the Debian package man-db)"
  exit 77
fi

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=200 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
  echo "FAIL: man --warnings on $page:"
  echo "$warnings"
  exit 1
fi
text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$page" 2>/dev/null | col -b)

vitrine() { ${VITRINE_TEST_EMULATOR:-} "$bin" "$@"; }
# The names in the "Subcommands:" and "Options:" blocks of a --help text.
subcommands() { vitrine "$@" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sort -u; }
options() { vitrine "$@" --help | sed -n '/^Options:/,/^$/p' | grep -o -- '--[a-z][a-z-]*' | grep -vx -- '--help' | sort -u; }

missing=()
check() { grep -qF -- "$1" <<<"$text" || missing+=("$1"); }
for option in $(options); do check "$option"; done
count=0
for command in $(subcommands); do
  subs=$(subcommands "$command")
  if [ -z "$subs" ]; then
    check "$command"
    for option in $(options "$command"); do check "$option"; done
    count=$((count + 1))
  fi
  for sub in $subs; do
    check "$command $sub"
    for option in $(options "$command" "$sub"); do check "$option"; done
    count=$((count + 1))
  done
done
[ $count -ge 10 ] || { echo "FAIL: only $count commands read from $bin --help"; exit 1; }
if [ ${#missing[@]} -gt 0 ]; then
  echo "FAIL: $page does not name: ${missing[*]}"
  exit 1
fi
echo "$page: no warning; names all $count commands of $bin --help and their options"
