# The README's two commands on a fresh machine: make run, make test.
# DATABASE_URL defaults in the binary to postgres://postgres@127.0.0.1:5432/openaims.
.PHONY: run test build generate lint check-generate

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
