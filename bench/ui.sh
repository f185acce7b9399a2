#!/usr/bin/env bash
# bench/ui: the kiosk's start time, memory and CPU on its two resting screens,
# with the demo pack, against a baseline measured in the same run:
# bench_mpv_baseline (bench/mpv_baseline.cpp), libmpv's render API playing the
# same campaign files with nothing else drawn.
#   start to first interactive frame, median of BENCH_STARTS    < 0.45 s
#   attract loop: CPU                                           <= 1.2 x baseline
#   attract loop: PSS                                           <= baseline + 40 MiB
#   attract loop: video frames dropped, all BENCH_PAIRS pairs   <= baseline
#   grid, no video: PSS                                         < 80 MiB
#   grid at rest: CPU                                           < 2 % of one core
#   grid: CPU time of one UI frame (a slow swipe redraws)       reported
# Both programs run on SDL's offscreen driver at 1920x1080, one at a time.
# Prints a Markdown table on stdout, progress on stderr. It must never run
# two programs at once: each would be the other's noise.
#   bench/ui.sh BUILD_DIR      (BENCH_SECONDS=20, BENCH_STARTS=5, BENCH_PAIRS=3)
# Dropped frames follow the CPU the programs get: on a shared machine, a
# kiosk run and a baseline run a minute apart can see very different loads.
# They are compared over BENCH_PAIRS pairs of runs, kiosk and baseline in
# turn, each run's count and the load beside it (the first pair is also
# the one that gives the CPU and memory figures).
# A measured run plays on until this script has read its window's end, then
# is stopped (SIGTERM): a busy machine delays the readings, it cannot make a
# program end before its window does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

die() { echo "bench/ui: $*" >&2; exit 1; }
[ $# -le 1 ] || { echo "usage: bench/ui.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "${1:-build}" 2>/dev/null && pwd) || die "no build directory ${1:-build}"
vitrine="$build/kiosk/vitrine"
baseline="$build/bench/bench_mpv_baseline"
config="$build/demo/vitrine.toml"
campaign="$build/demo/pack/media/campaign"
seconds=${BENCH_SECONDS:-20}
starts=${BENCH_STARTS:-5}
pairs_n=${BENCH_PAIRS:-3}
warm=3                       # seconds of warm-up before each measured window
size=1920x1080
# shellcheck disable=SC1112  # the label's apostrophe is the typographic one
invite='Touchez l’écran pour découvrir'   # the attract screen's widget (fr)
chip='Aéronautique'                        # a sector chip: only the grid has it
tck=$(getconf CLK_TCK)

[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a whole number of seconds, not '$seconds'"
[[ "$starts" =~ ^[1-9][0-9]*$ ]] || die "BENCH_STARTS must be a positive whole number, not '$starts'"
[[ "$pairs_n" =~ ^[1-9][0-9]*$ ]] || die "BENCH_PAIRS must be a positive whole number, not '$pairs_n'"
[ -x "$vitrine" ] || die "no kiosk at $vitrine: build it first (cmake --build $build)"
[ -x "$baseline" ] || die "no baseline at $baseline: build it (cmake --build $build --target bench_mpv_baseline; the top-level CMakeLists.txt needs add_subdirectory(bench))"
if [ ! -f "$config" ] || [ ! -e "$build/demo/data/current" ]; then
  die "no installed demo pack in $build/demo (configure with -DVITRINE_DEMO_PACK=ON, build, then tools/install-demo-pack $build)"
fi
videos=("$campaign"/robots.mp4 "$campaign"/green.mp4 "$campaign"/health.mp4 "$campaign"/stars.mp4)
for v in "${videos[@]}"; do [ -f "$v" ] || die "no campaign video $v"; done

work=$(mktemp -d /tmp/vitrine-bench-ui.XXXXXX)
# The run under way: its subshell and its program, killed if this script
# stops early (one run at a time; both are cleared once it has ended).
runner='' program=''
cleanup() {
  local ours=''  # the program is still the subshell's child, not a new process
  [ -n "$program" ] && [ "$(awk '{print $4}' "/proc/$program/stat" 2>/dev/null)" = "$runner" ] && ours=1
  [ -z "$runner" ] || { disown "$runner" 2>/dev/null; kill -KILL "$runner" 2>/dev/null; } || true
  [ -z "$ours" ] || kill -KILL "$program" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }
now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# CPU ticks (utime + stime, all threads) of a process.
# shellcheck disable=SC2086  # split: the fields after the command's name
proc_ticks() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
# CPU ticks of the whole machine, all but idle and iowait.
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
# "VmRSS VmHWM Pss" of a process, in KiB.
# False once the process has gone (or is a zombie, with no memory left).
memory() {
  local rss hwm pss
  read -r rss hwm < <(awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{print r, h}' "/proc/$1/status" 2>/dev/null)
  pss=$(awk '/^Pss:/{print $2; exit}' "/proc/$1/smaps_rollup" 2>/dev/null)
  [ -n "$rss" ] && [ -n "$hwm" ] && [ -n "$pss" ] || return 1
  echo "$rss $hwm $pss"
}
# The last number a program logged after TEXT, or "n/a".
logged() { local v; v=$(grep -o "$2 [0-9.]*" "$1" | tail -n 1 | awk '{print $NF}'); echo "${v:-n/a}"; }

# run NAME MARK DELAY STOP CMD...: runs CMD on the offscreen driver,
# sampling its PSS every half second. MARK is a text of its log (or ""):
# mark_cpu is the process's CPU time (s) when it appears. With a DELAY
# (seconds; "" for none) it then measures the window of `seconds` from MARK
# + DELAY: w_cpu (% of one core), w_other (everything else on the machine,
# % of one core), w_rss, w_hwm, w_pss (KiB at the window's end). A program
# measured so must outlast the window however late this script reads its
# end on a busy machine: it does not end by itself. It logs STOP (a text
# of its log with "frames drawn: N") at the end of its own timed span and
# plays on; once STOP is logged and the window measured, it is sent SIGTERM
# (SDL makes it SDL_QUIT: the program exits normally and logs its counts),
# and stop_frames is the count on the STOP line. Without a DELAY (STOP "")
# the program runs until it exits by itself. Always sets total_cpu (s, the
# whole run, from the kernel at exit), pss_peak (KiB) and the log,
# $work/NAME.log.
run() {
  local name=$1 mark=$2 delay=$3 stop=$4; shift 4
  local log="$work/$name.log" pid m i=0 deadline
  [ -z "$delay" ] || [ -n "$stop" ] || die "run $name: a measuring window needs a STOP text"
  : > "$log"
  rm -f "$work/$name.pid" "$work/$name.rc" "$work/$name.times"
  (
    rc=0
    SDL_VIDEODRIVER=offscreen "$@" >/dev/null 2>"$log" &
    echo $! > "$work/$name.pid"
    wait $! || rc=$?
    times > "$work/$name.times"
    echo "$rc" > "$work/$name.rc"
  ) &
  runner=$!
  until [ -s "$work/$name.pid" ]; do sleep 0.01; done
  pid=$(cat "$work/$name.pid")
  program=$pid
  pss_peak=0
  sample() {  # false once the process has gone
    m=$(memory "$pid") || return 1
    pss_peak=$(( ${m##* } > pss_peak ? ${m##* } : pss_peak ))
  }
  ended() {  # the program has gone too early: its log, its status, and stop
    local j
    for j in $(seq 50); do [ ! -s "$work/$name.rc" ] || break; sleep 0.1; done
    cat "$log" >&2
    die "$name ended $1 (exit status $(cat "$work/$name.rc" 2>/dev/null || echo unknown))"
  }
  sample_until() {  # samples every half second until time $1
    while [ "$(calc "$(now) < $1" 0)" = 1 ]; do
      sample || ended "before its measuring window did"
      sleep 0.5
    done
  }
  if [ -n "$mark" ]; then
    deadline=$(calc "$(now) + 120")
    until grep -q -- "$mark" "$log"; do
      [ ! -s "$work/$name.rc" ] || ended "before \"$mark\""
      [ "$(calc "$(now) > $deadline" 0)" = 0 ] || die "$name: no \"$mark\" after 120 s"
      (( i++ % 10 )) || sample || true
      sleep 0.05
    done
    mark_cpu=$(calc "$(proc_ticks "$pid" || echo 0) / $tck")
  fi
  if [ -n "$delay" ]; then
    local t0 t1 c0 c1 b0 b1
    sample_until "$(calc "$(now) + $delay")"
    t0=$(now); c0=$(proc_ticks "$pid"); b0=$(busy_ticks)
    sample_until "$(calc "$t0 + $seconds")"
    c1=$(proc_ticks "$pid") || ended "before its measuring window did"
    b1=$(busy_ticks); t1=$(now)
    m=$(memory "$pid") || ended "before its measuring window did"
    read -r w_rss w_hwm w_pss <<< "$m"
    w_cpu=$(calc "($c1 - $c0) / $tck / ($t1 - $t0) * 100" 1)
    # The two counters are read a moment apart: a small negative is 0.
    w_other=$(calc "(($b1 - $b0) - ($c1 - $c0)) / $tck / ($t1 - $t0) * 100" 1)
    w_other=$(calc "$w_other > 0 ? $w_other : 0" 0)
  fi
  if [ -n "$stop" ]; then
    deadline=$(calc "$(now) + 120")
    until grep -qF -- "$stop" "$log"; do
      [ ! -s "$work/$name.rc" ] || ended "before \"$stop\""
      [ "$(calc "$(now) > $deadline" 0)" = 0 ] || die "$name: no \"$stop\" after 120 s"
      (( i++ % 10 )) || sample || true
      sleep 0.05
    done
    stop_frames=$(grep -F -- "$stop" "$log" | head -n 1 | grep -o 'frames drawn: [0-9]*' | awk '{print $NF}')
    [ -n "$stop_frames" ] || die "$name: no frame count on its \"$stop\" line"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  local j=0
  while [ ! -s "$work/$name.rc" ]; do
    sample || true
    sleep 0.5
    [ -z "$stop" ] || (( ++j < 120 )) || die "$name: still running 60 s after SIGTERM"
  done
  wait "$runner" || true
  runner='' program=''
  local rc; rc=$(cat "$work/$name.rc")
  [ "$rc" = 0 ] || { cat "$log" >&2; die "$name failed (exit $rc)"; }
  # `times`, second line: the children's user and system time, "1m2.345s".
  total_cpu=$(awk 'NR==2 { t=0; for (i=1;i<=2;i++) { split($i, a, "m"); sub("s", "", a[2]); t+=a[1]*60+a[2] } print t }' "$work/$name.times")
}

kiosk() { local script=$1; shift; run "$@" "$vitrine" --config "$config" run --windowed "$size" --script "$script"; }
# The end of a kiosk script's timed span, for a run with a window: a stall
# of 0 ms, the step that logs the frames drawn so far and does nothing else,
# then a wait of an hour, cut short by SIGTERM once the window is measured.
kiosk_stop='stall: the UI loop blocks for 0 ms'
hold() { printf 'stall 0\nwait 3600000\n'; }
# The baseline's: --hold, it logs its counts at the end of --seconds and
# plays on.
base_stop='frames drawn:'
mib() { calc "$1 / 1024" 0; }
passfail() { [ "$(calc "$1" 0)" = 1 ] && echo pass || echo FAIL; }
window_count() {  # window_count TEXT LONG SHORT: LONG's count minus SHORT's, or n/a
  local l s
  l=$(logged "$work/$2.log" "$1"); s=$(logged "$work/$3.log" "$1")
  if [ "$l" = n/a ] || [ "$s" = n/a ]; then echo n/a; else echo $(( l - s )); fi
}
ms=$(( seconds * 1000 ))

# 1. Start to first interactive frame: the kiosk exits once it is there.
printf 'expect %s\n' "$invite" > "$work/start.txt"
start_times=()
for i in $(seq 1 "$starts"); do
  echo "start $i/$starts ..." >&2
  kiosk "$work/start.txt" "start-$i" "" "" ""
  start_times+=("$(logged "$work/start-$i.log" "first interactive frame")")
  echo "  first interactive frame ${start_times[-1]} s after start" >&2
done
[[ ! " ${start_times[*]} " =~ " n/a " ]] || die "the kiosk did not log its first interactive frame"
start_s=$(printf '%s\n' "${start_times[@]}" | median)
start_min=$(printf '%s\n' "${start_times[@]}" | sort -g | head -n 1)
start_max=$(printf '%s\n' "${start_times[@]}" | sort -g | tail -n 1)

# 2, 3. The attract loop and the baseline, each twice: a short run (warm-up
# + 1 s after the first frame) and a long one (warm-up + window + 1 s, then
# on until stopped). Frames in the window: the long run's count at the end
# of that span minus the short's at exit.
printf 'wait %d\n' $(( warm * 1000 + 1000 )) > "$work/attract-short.txt"
{ printf 'wait %d\n' $(( warm * 1000 + ms + 1000 )); hold; } > "$work/attract-long.txt"
echo "attract loop, ${warm} s ..." >&2
kiosk "$work/attract-short.txt" attract-short "" "" ""
echo "attract loop, measuring ${seconds} s after ${warm} s ..." >&2
kiosk "$work/attract-long.txt" attract-long "first interactive frame" "$warm" "$kiosk_stop"
a_cpu=$w_cpu a_other=$w_other a_rss=$w_rss a_hwm=$w_hwm a_pss=$w_pss a_pss_peak=$pss_peak
a_frames=$(( stop_frames - $(logged "$work/attract-short.log" "frames drawn:") ))
echo "baseline, ${warm} s ..." >&2
run base-short "" "" "" "$baseline" --size "$size" --seconds $(( warm + 1 )) "${videos[@]}"
echo "baseline, measuring ${seconds} s after ${warm} s ..." >&2
run base-long "first frame drawn" "$warm" "$base_stop" \
  "$baseline" --size "$size" --seconds $(( warm + seconds + 1 )) --hold "${videos[@]}"
b_cpu=$w_cpu b_other=$w_other b_rss=$w_rss b_hwm=$w_hwm b_pss=$w_pss b_pss_peak=$pss_peak
b_frames=$(( stop_frames - $(logged "$work/base-short.log" "frames drawn:") ))
# Dropped frames: each long run's own count, from start to exit (its stop),
# as the programs log it (mpv's frame-drop-count, added up over the files).
# The first pair is the runs above; the others alternate the same runs again.
a_drop_list=("$(logged "$work/attract-long.log" "video frames dropped:")")
b_drop_list=("$(logged "$work/base-long.log" "video frames dropped:")")
a_cpu_list=("$a_cpu") b_cpu_list=("$b_cpu") a_other_list=("$a_other") b_other_list=("$b_other")
for p in $(seq 2 "$pairs_n"); do
  echo "attract loop, pair $p/$pairs_n, measuring ${seconds} s after ${warm} s ..." >&2
  kiosk "$work/attract-long.txt" "attract-long-$p" "first interactive frame" "$warm" "$kiosk_stop"
  a_drop_list+=("$(logged "$work/attract-long-$p.log" "video frames dropped:")")
  a_cpu_list+=("$w_cpu") a_other_list+=("$w_other")
  echo "baseline, pair $p/$pairs_n, measuring ${seconds} s after ${warm} s ..." >&2
  run "base-long-$p" "first frame drawn" "$warm" "$base_stop" \
    "$baseline" --size "$size" --seconds $(( warm + seconds + 1 )) --hold "${videos[@]}"
  b_drop_list+=("$(logged "$work/base-long-$p.log" "video frames dropped:")")
  b_cpu_list+=("$w_cpu") b_other_list+=("$w_other")
done
sum_list() { local v t=0; for v in "$@"; do [ "$v" != n/a ] || { echo n/a; return; }; t=$(( t + v )); done; echo "$t"; }
a_drops=$(sum_list "${a_drop_list[@]}"); b_drops=$(sum_list "${b_drop_list[@]}")
# "N (load %)" for each run of a list: its count and what other processes took.
per_run() {
  local -n counts=$1 others=$2
  local i out=''
  for i in "${!counts[@]}"; do out+="${out:+, }${counts[$i]} (${others[$i]} %)"; done
  echo "$out"
}
mean_list() { printf '%s\n' "$@" | awk '{t+=$1} END {printf "%.1f", t/NR}'; }
a_cpu_mean=$(mean_list "${a_cpu_list[@]}"); b_cpu_mean=$(mean_list "${b_cpu_list[@]}")
a_fps=$(calc "$a_frames / $seconds" 1); b_fps=$(calc "$b_frames / $seconds" 1)
a_ms=$(calc "$a_cpu * 10 / $a_fps" 1); b_ms=$(calc "$b_cpu * 10 / $b_fps" 1)

# 4, 5. The grid. Every run taps the invitation, waits out the warm-up and
# writes a screenshot, whose log line marks the window's start; then nothing
# (short), a rest as long as the window (rest), or slow swipes back and forth
# for about as long (swipe). One UI frame: the CPU time each run spent after
# the mark (its total at exit minus its time at the mark) and the frames it
# drew, swipe minus short.
grid_prefix() {
  printf 'tap %s\nexpect %s\nwait %d\nshot %s\n' "$invite" "$chip" $(( warm * 1000 )) "$work/grid.png"
}
{ grid_prefix; printf 'wait 1000\n'; } > "$work/grid-short.txt"
{ grid_prefix; printf 'wait %d\n' $(( ms + 1000 )); hold; } > "$work/grid-rest.txt"
pairs=$(( seconds / 5 > 0 ? seconds / 5 : 1 ))
{
  grid_prefix
  for i in $(seq 1 "$pairs"); do printf 'swipe 960 1000 960 500 2500\nswipe 960 500 960 1000 2500\n'; done
  printf 'expect %s\nwait 1000\n' "$chip"
} > "$work/grid-swipe.txt"
mark="wrote $work/grid.png"
echo "grid, warm-up only ..." >&2
kiosk "$work/grid-short.txt" grid-short "$mark" "" ""
short_after=$(calc "$total_cpu - $mark_cpu")
echo "grid at rest, measuring ${seconds} s ..." >&2
kiosk "$work/grid-rest.txt" grid-rest "$mark" 0 "$kiosk_stop"
g_cpu=$w_cpu g_other=$w_other g_rss=$w_rss g_hwm=$w_hwm g_pss=$w_pss g_pss_peak=$pss_peak rest_end=$stop_frames
echo "grid, $((pairs * 2)) slow swipes ..." >&2
kiosk "$work/grid-swipe.txt" grid-swipe "$mark" "" ""
swipe_after=$(calc "$total_cpu - $mark_cpu")
sw_pss_peak=$pss_peak
# Frames after the mark: when the kiosk logs its count with the screenshot
# ("wrote FILE (frames drawn: N)"), each run's count at exit (the rest's:
# at the end of its timed span) minus that. If not, the counts at exit,
# which also differ by the frames the runs drew before the mark (up to about
# twenty): good enough for the swipes' thousand frames, not for the rest's
# few, left out then.
after_mark() {  # after_mark NAME [END]: frames drawn after the mark (to END, else exit), or ""
  local at; at=$(grep -o "$mark (frames drawn: [0-9]*" "$work/$1.log" | awk '{print $NF}' | tail -n 1)
  [ -z "$at" ] || echo $(( ${2:-$(logged "$work/$1.log" "frames drawn:")} - at ))
}
if [ -n "$(after_mark grid-short)" ]; then
  g_frames=$(( $(after_mark grid-rest "$rest_end") - $(after_mark grid-short) ))
  s_frames=$(( $(after_mark grid-swipe) - $(after_mark grid-short) ))
  frames_method="each run's count at exit minus its count at the
screenshot."
else
  g_frames=''
  s_frames=$(window_count "frames drawn:" grid-swipe grid-short)
  frames_method="the counts at exit, which also differ by the frames drawn
before the screenshot, up to about twenty (the kiosk logs no count with its
screenshots): too coarse for the few frames of the rest, left out."
fi
if [ -n "$g_frames" ]; then g_fps="$(calc "$g_frames / $seconds" 1) frames/s"; else g_fps="frames/s n/a"; fi
s_cpu=$(calc "$swipe_after - $short_after")
if [ "$s_frames" -gt 0 ]; then s_ms=$(calc "$s_cpu * 1000 / $s_frames" 1); else s_ms=n/a; fi

# The table.
cpu_ratio=$(calc "$a_cpu / $b_cpu")
frame_ratio=$(calc "$a_ms / $b_ms")
# Near all the cores the kiosk's CPU cannot grow any more: it draws fewer
# frames instead, and the CPU ratio understates its cost.
saturated=$(calc "$a_cpu >= 90 * $(nproc)" 0)
# Other processes took more than a fifth of a core during a window: say so
# beside the result that depends on it.
noisy() { local o; for o in "$@"; do [ "$o" -le 20 ] || { echo ' (noisy)'; return; }; done; }
pss_extra=$(calc "($a_pss - $b_pss) / 1024" 0)
if [ "$a_drops" = n/a ] || [ "$b_drops" = n/a ]; then drops_result=n/a
else drops_result=$(passfail "$a_drops <= $b_drops"); fi
printf '\n### UI (demo pack, %s, offscreen driver, %d s windows after %d s of warm-up)\n\n' "$size" "$seconds" "$warm"
printf '| figure | value | baseline | ratio | target | result |\n|---|---|---|---|---|---|\n'
printf '| start to first interactive frame (median of %d) | %.3f s (%.3f to %.3f) | | | < 0.45 s | %s |\n' \
  "$starts" "$start_s" "$start_min" "$start_max" "$(passfail "$start_s < 0.45")"
printf '| attract loop: CPU | %s %% of a core, %s frames/s | %s %% of a core, %s frames/s | %s | <= 1.20 | %s%s |\n' \
  "$a_cpu" "$a_fps" "$b_cpu" "$b_fps" "$cpu_ratio" "$(passfail "$cpu_ratio <= 1.2")" \
  "$([ "$saturated" = 1 ] && echo ' (saturated)')$(noisy "$a_other" "$b_other")"
printf '| attract loop: CPU per frame drawn | %s ms | %s ms | %s | | |\n' "$a_ms" "$b_ms" "$frame_ratio"
printf '| attract loop: PSS, steady (peak) | %s MiB (%s) | %s MiB (%s) | +%s MiB | <= baseline + 40 MiB | %s%s |\n' \
  "$(mib "$a_pss")" "$(mib "$a_pss_peak")" "$(mib "$b_pss")" "$(mib "$b_pss_peak")" "$pss_extra" \
  "$(passfail "$pss_extra <= 40")" "$(noisy "$a_other" "$b_other")"
printf '| attract loop: RSS, steady (peak) | %s MiB (%s) | %s MiB (%s) | | | |\n' \
  "$(mib "$a_rss")" "$(mib "$a_hwm")" "$(mib "$b_rss")" "$(mib "$b_hwm")"
printf '| attract loop: CPU, mean of %d alternating pairs | %s %% of a core | %s %% of a core | %s | | |\n' \
  "$pairs_n" "$a_cpu_mean" "$b_cpu_mean" "$(calc "$a_cpu_mean / $b_cpu_mean")"
printf '| attract loop: video frames dropped in runs of %d s or more, sum of %d alternating pairs | %s | %s | | <= baseline | %s%s |\n' \
  "$(( warm + seconds + 1 ))" "$pairs_n" "$a_drops" "$b_drops" "$drops_result" \
  "$(noisy "${a_other_list[@]}" "${b_other_list[@]}")"
printf '| attract loop: dropped per run (other processes, %% of a core) | %s | %s | | | |\n' \
  "$(per_run a_drop_list a_other_list)" "$(per_run b_drop_list b_other_list)"
printf '| grid, no video: PSS, steady (peak) | %s MiB (%s) | | | < 80 MiB | %s%s |\n' \
  "$(mib "$g_pss")" "$(mib "$g_pss_peak")" "$(passfail "$g_pss / 1024 < 80")" "$(noisy "$g_other")"
printf '| grid, no video: RSS, steady (peak) | %s MiB (%s) | | | | |\n' "$(mib "$g_rss")" "$(mib "$g_hwm")"
printf '| grid at rest: CPU | %s %% of a core; %s | | | < 2 %% | %s%s |\n' \
  "$g_cpu" "$g_fps" "$(passfail "$g_cpu < 2")" "$(noisy "$g_other")"
printf '| grid: CPU time of one UI frame (slow swipes) | %s ms (%s s for %s frames) | | | | |\n' "$s_ms" "$s_cpu" "$s_frames"
printf '| grid, swiping: PSS, peak | %s MiB | | | | |\n' "$(mib "$sw_pss_peak")"
printf '| other processes during the windows: attract, baseline, grid | %s, %s, %s %% of a core | | | | |\n' \
  "$a_other" "$b_other" "$g_other"
results=()
row() { summary "$@"; results+=("${6%% *}"); }
row "first interactive frame, median of $starts starts" "$(printf '%.3f s' "$start_s")" '' '' '< 0.45 s' \
  "$(passfail "$start_s < 0.45")"
row 'attract loop: CPU' "$a_cpu % of a core" "$b_cpu % (minimal libmpv render-API program)" "$cpu_ratio" '<= 1.20' \
  "$(passfail "$cpu_ratio <= 1.2")$([ "$saturated" = 1 ] && echo ' (saturated)')$(noisy "$a_other" "$b_other")"
row 'attract loop: PSS' "$(mib "$a_pss") MiB" "$(mib "$b_pss") MiB (same program)" "+$pss_extra MiB" \
  '<= baseline + 40 MiB' "$(passfail "$pss_extra <= 40")$(noisy "$a_other" "$b_other")"
row "attract loop: video frames dropped, $pairs_n runs" "$a_drops" "$b_drops (same program)" '' '<= baseline' \
  "$drops_result$(noisy "${a_other_list[@]}" "${b_other_list[@]}")"
row 'grid, no video: PSS' "$(mib "$g_pss") MiB" '' '' '< 80 MiB' "$(passfail "$g_pss / 1024 < 80")$(noisy "$g_other")"
row 'grid at rest: CPU' "$g_cpu % of a core" '' '' '< 2 %' "$(passfail "$g_cpu < 2")$(noisy "$g_other")"
row 'grid: CPU time of one UI frame (build + render, llvmpipe)' "$s_ms ms" '' '' 'reported' '-'
cat <<NOTE

CPU: utime + stime of all the process's threads (/proc/PID/stat) over the
window, in % of one of the machine's $(nproc) cores. PSS and RSS are read at the
window's end (smaps_rollup, status); peak RSS is VmHWM, peak PSS the largest
of samples taken every half second; the grid runs start on the attract
screen. Frames in a window: the long run's count at the end of its own
timed span ($(( warm + seconds + 1 )) s after its first frame) minus that of a run that
stops 1 s after the warm-up; the long runs then play on until the window
is measured and are stopped (SIGTERM), so that a late reading on a busy
machine still falls inside them. Dropped video frames (mpv's
frame-drop-count, the same count in both programs): each long run's, from
start to its stop, added up over $pairs_n pairs of runs, kiosk and baseline
in turn; each run's count is listed with the CPU other processes took
meanwhile, which mostly decides it (when they leave the programs less than
they need, mpv drops the frames that cannot be drawn in time, and the
kiosk, which draws more on each frame, drops more). One UI frame: the CPU time the kiosk spent
after the screenshot that ends the warm-up (its total at exit, from the
kernel, minus its time then) in the run with $((pairs * 2)) swipes of 2.5 s on the
grid minus the run without them, divided by the difference in frames drawn;
the frames still being rasterized at exit are in both. Frames on the grid
(the swipe or rest run minus the short one):
$frames_method
This machine has no GPU: Mesa llvmpipe draws on the CPU, in the measured
process's threads, and its JIT (libLLVM) and textures are in its memory, so
every figure that involves drawing is far higher than on a board's GPU; the
ratio to the baseline, which draws on the same renderer, is the meaningful
one. Other processes ran too: see the last row; "(noisy)" marks a result
measured while they took more than a fifth of a core (they share libraries
too, which lowers PSS).
NOTE
if [ "$saturated" = 1 ]; then
  cat <<NOTE
(saturated) The kiosk used nearly all $(nproc) cores on the attract loop: its CPU
could not grow, it drew fewer frames instead, so the CPU ratio understates
its cost; compare the CPU per frame drawn and the dropped frames.
NOTE
fi
for r in "${results[@]}"; do [ "$r" != FAIL ] || exit 1; done
