# Thin wrapper around CMake: `make demo` and `make test` are the README's
# two commands. Both install missing Debian packages first.
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps configure build demo test deb test-asan test-tsan test-arm64 fuzz bench soak clean

all: build

deps:
	@tools/install-deps

configure: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake --preset release -B $(BUILD)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@tools/demo $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The Debian package (cmake/Packaging.cmake): $(BUILD)/vitrine_<version>_<arch>.deb
deb: build
	@cd $(BUILD) && cpack -G DEB

# The suites under sanitizers, each in its own build tree (tools/sanitize):
# every suite with AddressSanitizer + UBSan, the threaded ones with TSan.
test-asan: deps
	@JOBS=$(JOBS) tools/sanitize asan build-asan

test-tsan: deps
	@JOBS=$(JOBS) tools/sanitize tsan build-tsan

# The aarch64 cross build and its suites that need no display, under
# qemu-aarch64 (tools/test-arm64; it installs the cross toolchain first).
BUILD_ARM64 ?= build-arm64
test-arm64:
	@JOBS=$(JOBS) tools/test-arm64 $(BUILD_ARM64)

# The libFuzzer targets of tests/fuzz (clang, ASan + UBSan), each for
# FUZZ_SECONDS on a copy of its seed corpus (tools/fuzz); fails on a finding.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?=
fuzz:
	@tools/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	@tools/install-demo-pack $(BUILD)
	@bench/run-all $(BUILD)

# The fair soak test (tests/soak): SOAK_DAYS days of a fair on the real
# kiosk; figures on stdout and, with the script and the kiosk's log, in
# $(BUILD)/soak/. CTest runs a one-day version (soak_day).
SOAK_DAYS ?= 5
soak: build
	@$(BUILD)/tests/soak --days $(SOAK_DAYS) --out $(BUILD)/soak

clean:
	rm -rf $(BUILD)
