#!/usr/bin/env bash
# bench/pack_install: installs a generated pack of about 1 GiB and compares
# its throughput with two limits measured on the same files in the same run:
#   copy limit  cp -r + sync          (reading and writing every byte)
#   hash limit  openssl dgst -sha256  (hashing every byte, CPU SHA extensions)
# Target: at least 0.8 of the slower limit. Prints a Markdown table.
#   bench/pack_install.sh BUILD_DIR      (BENCH_PACK_MB=1024, BENCH_RUNS=3)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=$(cd "${1:-build}" && pwd)
vitrine="$build/kiosk/vitrine"
mb=${BENCH_PACK_MB:-1024}
runs=${BENCH_RUNS:-3}
work="$build/bench/pack_install"
files=64
file_mb=$(( (mb + files - 1) / files ))

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

if [ ! -f "$work/pack/manifest.json.minisig" ] || [ "$(cat "$work/size" 2>/dev/null)" != "$mb" ]; then
  echo "generating a ${mb} MiB pack in $work/pack ..." >&2
  rm -rf "$work"
  mkdir -p "$work/pack/media" "$work/keys"
  for i in $(seq -w 1 $files); do
    openssl rand -out "$work/pack/media/part-$i.bin" $((file_mb << 20))
  done
  cat > "$work/pack/manifest.json" <<JSON
{"format": 1,
 "pack": {"id": "bench", "version": 1, "created": "2026-01-01T00:00:00Z", "title": {"en": "Benchmark"}},
 "languages": ["en"],
 "sectors": [{"id": "data", "name": {"en": "Data"}, "colour": "#336699"}],
 "showcases": [{"id": "big", "sectors": ["data"], "company": {"name": "Bench"}, "title": {"en": "Big"},
   "summary": {"en": "Big"}, "body": {"en": "Big"}, "thumbnail": "media/part-01.bin"}],
 "campaign": [{"video": "media/part-02.bin", "tagline": {"en": "Big"}}]}
JSON
  "$vitrine" pack build "$work/pack" >/dev/null
  minisign -G -W -f -p "$work/keys/k.pub" -s "$work/keys/k.key" >/dev/null
  minisign -S -s "$work/keys/k.key" -m "$work/pack/manifest.json" >/dev/null
  printf '[packs]\ntrusted_keys = ["%s"]\nwatch_dirs = []\n' "$(tail -n 1 "$work/keys/k.pub")" > "$work/vitrine.toml"
  echo "$mb" > "$work/size"
fi
bytes=$(du -sb --apparent-size "$work/pack/media" | cut -f1)

cp_times=() hash_times=() install_times=()
for r in $(seq 1 "$runs"); do
  rm -rf "$work/copy" "$work/data"; sync
  t0=$(now); cp -r "$work/pack" "$work/copy"; sync; t1=$(now)
  cp_times+=("$(echo "$t1 - $t0" | bc -l)")
  rm -rf "$work/copy"; sync

  t0=$(now); openssl dgst -sha256 "$work"/pack/media/*.bin > /dev/null; t1=$(now)
  hash_times+=("$(echo "$t1 - $t0" | bc -l)")

  t0=$(now)
  "$vitrine" --config "$work/vitrine.toml" --data "$work/data" pack install "$work/pack" >/dev/null 2>&1
  t1=$(now)
  install_times+=("$(echo "$t1 - $t0" | bc -l)")
done
rm -rf "$work/data"

cp_s=$(printf '%s\n' "${cp_times[@]}" | median)
hash_s=$(printf '%s\n' "${hash_times[@]}" | median)
install_s=$(printf '%s\n' "${install_times[@]}" | median)
rate() { echo "$bytes / $1 / 1000000" | bc -l; }
cp_rate=$(rate "$cp_s"); hash_rate=$(rate "$hash_s"); install_rate=$(rate "$install_s")
limit=$(echo "if ($cp_rate < $hash_rate) $cp_rate else $hash_rate" | bc -l)
ratio=$(echo "$install_rate / $limit" | bc -l)
pass=$(echo "$ratio >= 0.8" | bc -l)

printf '\n### pack install (%s MiB in %d files, median of %d runs)\n\n' "$mb" "$files" "$runs"
printf '| figure | value | baseline | ratio | target | result |\n|---|---|---|---|---|---|\n'
printf '| copy limit: cp -r + sync | %.0f MB/s (%.2f s) | | | | |\n' "$cp_rate" "$cp_s"
printf '| hash limit: openssl dgst -sha256 | %.0f MB/s (%.2f s) | | | | |\n' "$hash_rate" "$hash_s"
printf '| vitrine pack install | %.0f MB/s (%.2f s) | %.0f MB/s (slower limit) | %.2f | >= 0.80 | %s |\n' \
  "$install_rate" "$install_s" "$limit" "$ratio" "$([ "$pass" = 1 ] && echo pass || echo FAIL)"
summary "pack install: $mb MiB in $files files" "$(printf '%.0f MB/s' "$install_rate")" \
  "$(printf '%.0f MB/s (slower of cp -r + sync, openssl sha256)' "$limit")" "$(printf '%.2f' "$ratio")" '>= 0.80' \
  "$([ "$pass" = 1 ] && echo pass || echo FAIL)"
[ "$pass" = 1 ]
