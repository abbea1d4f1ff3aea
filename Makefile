# The two commands a newcomer needs: `make run` and `make test`.
# Every target installs what is missing first (scripts/setup.sh is idempotent).

BUILD_DIR ?= build
SAN_DIR   ?= build-asan
DATA_DIR  ?= data
LISTEN    ?= 127.0.0.1:8080
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup configure build web run test test-asan bench fuzz clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	$(MAKE) --no-print-directory web

# The web app (web/dist, which `rapport serve` serves): type-checked, bundled, and
# held to its size budget (web/scripts/check-budget.mjs).
web: setup
	cd web && npm run --silent build

# Initialises ./data on first run (tenant, admin, demo data), then serves.
run: build
	@bash scripts/run.sh $(BUILD_DIR)/rapport $(DATA_DIR) $(LISTEN)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: setup
	cmake -S . -B $(SAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRAPPORT_BUILD_BENCH=OFF \
	  -DRAPPORT_WEB_TESTS=OFF -DRAPPORT_SANITIZE=address,undefined $(CMAKE_FLAGS)
	cmake --build $(SAN_DIR) -j $(JOBS)
	cd $(SAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600

# libFuzzer on the expression parser (clang 16: libstdc++ 12's <expected> needs the
# C++20 concepts level that clang 16 implements but does not advertise).
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: setup
	CXX=clang++-16 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRAPPORT_BUILD_TESTS=OFF -DRAPPORT_BUILD_BENCH=OFF -DRAPPORT_WEB_TESTS=OFF \
	  -DCMAKE_CXX_FLAGS="-D__cpp_concepts=202002L -Wno-macro-redefined -fsanitize=fuzzer-no-link,address,undefined" \
	  $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target query_parse_fuzzer
	mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/src/query/query_parse_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
	  $(FUZZ_DIR)/corpus src/query/fuzz_seeds

bench: build
	@bash bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR) $(FUZZ_DIR)
