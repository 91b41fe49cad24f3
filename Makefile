# The quick start: `make run` and `make test` work on a fresh Debian 12
# machine as root. Each first installs what is missing (scripts/bootstrap.sh).
.PHONY: all bootstrap configure build run cluster cluster-stop test test-asan test-tsan fuzz crash-matrix format format-check clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

configure: bootstrap
	@test -f build/build.ninja || cmake --preset default

build: configure
	cmake --build --preset default

# The reference server on ./var/orgledger; the first run generates the
# host's bearer secret in ./var/secret and the operator's (for /v1/admin/*
# and /metrics) in ./var/admin-secret, and prints each once. Backups go
# under ./var/backups. The pages: http://127.0.0.1:8080/ with the
# development sign-in (--dev-login), sessions signed with ./var/session-key.
run: build
	@mkdir -p var
	./build/bin/orgledger serve --data var/orgledger --listen 127.0.0.1:8080 \
	  --secret-file var/secret --admin-secret-file var/admin-secret \
	  --backup-dir var/backups --session-key-file var/session-key \
	  --dev-login --public-url http://127.0.0.1:8080 --dev-mail-log

# Two replicas over one private PostgreSQL (scripts/cluster): :8080, :8081.
cluster: build
	@scripts/cluster start

cluster-stop:
	@scripts/cluster stop

test: build
	ctest --preset default

test-asan: bootstrap
	@test -f build-asan/build.ninja || cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan

# The concurrency tests (engine, subscriptions, group commit, projections,
# server) under ThreadSanitizer.
test-tsan: bootstrap
	@test -f build-tsan/build.ninja || cmake --preset tsan
	cmake --build --preset tsan
	ctest --preset tsan

# Each libFuzzer target for FUZZ_SECONDS (default 60) from its committed
# seed corpus; new inputs go to build-fuzz/corpus/, never to the seeds.
FUZZ_SECONDS ?= 60
fuzz: bootstrap
	@test -f build-fuzz/build.ninja || cmake --preset fuzz
	cmake --build --preset fuzz
	@for t in request record validation http; do \
	  mkdir -p build-fuzz/corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  LSAN_OPTIONS=suppressions=tests/lsan.supp \
	    ./build-fuzz/bin/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 -print_final_stats=1 \
	    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# The crash matrix at CI size (scripts/crash-matrix runs thousands).
CRASH_CYCLES ?= 240
crash-matrix: build
	./build/bin/crash_matrix --cycles $(CRASH_CYCLES) \
	  --work build/testtmp/crash-matrix

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build build-asan build-tsan build-fuzz
