# Sourced by the shell benchmarks. summary FIGURE VALUE BASELINE RATIO TARGET
# RESULT: one row of `make bench`'s summary table (bench/run-all), appended
# to the file named by BENCH_SUMMARY when it is set.
summary() {
  [ -n "${BENCH_SUMMARY:-}" ] || return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_SUMMARY"
}
