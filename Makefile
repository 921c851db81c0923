# The README's two commands on a fresh machine: make run, make test.
# DATABASE_URL defaults in the binary to postgres://postgres@127.0.0.1:5432/openaims.
.PHONY: run test build generate lint check-generate bench

AIMS_ADDR ?= localhost:8080
export AIMS_ADDR

run: build
	bin/aims seed demo
	@echo "OpenAIMS at http://$(AIMS_ADDR)/ (Ctrl-C to stop)"
	bin/aims serve

test:
	go test -race -count=1 ./...

build:
	go build -o bin/aims ./cmd/aims

generate:
	go tool templ generate

lint:
	go vet ./...
	go tool staticcheck ./...

check-generate: generate
	git diff --exit-code

# make bench (docs/performance.md): load the benchmark data into BENCH_DATABASE_URL (a
# database of its own, never the one of make run), serve it with the baseline page on, run
# the load harness against it with the server's memory sampled, stop the server. The table
# is printed; the JSON goes to BENCH_OUT, the server's log to BENCH_LOG.
# Examples: make bench BENCH_SEED_FLAGS='--tenants 100 --records 10000'
#           make bench BENCH_FLAGS='--model closed --duration 5s --only "risks"'
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/openaims_bench?sslmode=disable
BENCH_ADDR ?= 127.0.0.1:8089
BENCH_SEED_FLAGS ?=
BENCH_FLAGS ?=
BENCH_OUT ?= bin/bench-results.json
BENCH_LOG ?= bin/bench-server.log

bench: build
	DATABASE_URL='$(BENCH_DATABASE_URL)' bin/aims seed bench $(BENCH_SEED_FLAGS)
	@echo "machine: $$(nproc) CPUs, $$(awk '/MemTotal/ {printf "%.1f GB", $$2/1e6}' /proc/meminfo) memory, $$(uname -sr)"
	@if command -v psql >/dev/null; then echo "postgres: $$(psql '$(BENCH_DATABASE_URL)' -Atc 'SHOW server_version')"; \
		else echo "postgres: psql not found; record the server's version by hand"; fi
	@DATABASE_URL='$(BENCH_DATABASE_URL)' AIMS_ADDR='$(BENCH_ADDR)' AIMS_BENCH_BASELINE=bench-large \
		bin/aims serve 2>'$(BENCH_LOG)' & pid=$$!; \
	trap 'kill $$pid 2>/dev/null' INT TERM; \
	bin/aims bench --base 'http://$(BENCH_ADDR)' --wait 60s --server-pid $$pid --out '$(BENCH_OUT)' $(BENCH_FLAGS); \
	status=$$?; kill $$pid 2>/dev/null; wait $$pid; exit $$status
