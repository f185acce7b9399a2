# Thin wrapper around CMake: `make demo` and `make test` are the README's
# two commands. Both install missing Debian packages first.
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps configure build demo test bench clean

all: build

deps:
	@tools/install-deps

configure: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@tools/demo $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@status=0; \
	bench/pack_install.sh $(BUILD) || status=1; \
	$(BUILD)/bench/bench_outbox || status=1; \
	$(BUILD)/bench/bench_sync || status=1; \
	bench/ui.sh $(BUILD) || status=1; \
	exit $$status

clean:
	rm -rf $(BUILD)
