# Parley: `make dev` runs it locally, `make test` runs every test.
# Both install what is missing first (Debian packages, npm), so they work on
# a fresh Debian 12 machine.

JOBS ?= $(shell nproc)
# ccache hits across clones (CI builds a fresh clone in another folder).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_BUILD = cmake --build

.PHONY: dev test deps build release asan fuzz bench bench-chat bench-audit bench-admin bench-v1 bench-connections image image-test clean format tidy

deps:
	@./scripts/install-deps.sh

# Development server: builds only what it runs (parley and the two mocks, in
# the release tree), then a private PostgreSQL, the mocks, Parley on :3000.
dev: deps
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS) --target parley mock-entra-id mock-azure-openai
	@./scripts/dev.sh

# Everything in the release tree: tests, tools and benchmarks (make bench).
release:
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS)

# The test build is the sanitizer build (ASan + UBSan): every test runs under it.
asan:
	@cmake --preset asan >/dev/null
	@$(CMAKE_BUILD) build/asan -j $(JOBS)

fuzz:
	@cmake --preset fuzz >/dev/null
	@$(CMAKE_BUILD) build/fuzz -j $(JOBS)

test: deps asan fuzz
	@cd build/asan && ctest --output-on-failure --timeout 600 -j 2

bench: deps release
	@./scripts/bench.sh

bench-chat: deps release
	@./scripts/bench-chat.sh

# What an audit append adds to the request that causes it (docs/BENCHMARKS.md).
bench-audit: deps
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS) --target bench_audit
	@./scripts/bench-audit.sh

# The administration API at 100,000 users (docs/BENCHMARKS.md).
bench-admin: deps
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS) --target parley mock-entra-id
	@./scripts/bench-admin.sh

# The service API: /v1 overhead over the model alone, and req/s (docs/BENCHMARKS.md).
bench-v1: deps
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS) --target parley mock-entra-id mock-azure-openai
	@./scripts/bench-v1.sh

# The PostgreSQL connection budget: 30 replicas on one server, and what
# PgBouncer in transaction mode breaks (docs/DEPLOY.md, "Connections").
bench-connections: deps
	@PARLEY_BENCH_TOOLS=1 ./scripts/install-deps.sh
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS) --target parley mock-entra-id mock-azure-openai chat-load
	@./scripts/bench-connections.sh
	@./scripts/probe-pgbouncer.sh

# OCI image without a daemon or a registry (buildah from scratch, filled from
# Debian packages); the last line printed is the image reference.
# Only the targets the image and its test need (the release build of everything
# also builds the benchmarks).
image: deps
	@PARLEY_IMAGE_TOOLS=1 ./scripts/install-deps.sh
	@cmake --preset release >/dev/null
	@$(CMAKE_BUILD) build/release -j $(JOBS) --target parley mock-entra-id mock-azure-openai
	@./scripts/build-image.sh

# Runs that image with podman (read-only, no capabilities, uid 10001)
# against PostgreSQL and the mocks on loopback.
image-test: image
	@./scripts/image-test.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
	@npm --prefix web run --silent format

tidy:
	@run-clang-tidy -p build/asan -quiet 'src/.*'

clean:
	@rm -rf build
