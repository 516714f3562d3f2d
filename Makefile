# Lotse – common tasks. `make test` is what CI runs.
GO ?= go

.PHONY: run test bench lint fuzz build deps

build:
	$(GO) build -o lotse ./cmd/lotse

run:
	$(GO) run ./cmd/lotse serve -demo

# deps installs Debian's Chromium for the browser tests when it is missing.
deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq chromium >/dev/null; }

test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./store/ ./geo/ ./handlers/

FUZZTIME ?= 30s
FUZZERS = geo:FuzzNormalizePLZ geo:FuzzParse mail:FuzzParseURL \
	handlers:FuzzBindSignup handlers:FuzzDecodeSignupJSON handlers:FuzzBindRequestForm handlers:FuzzDecodeRequestJSON
fuzz:
	@for pf in $(FUZZERS); do \
	  pkg=$${pf%%:*}; fn=$${pf#*:}; echo "== $$fn ($$pkg)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg/ || exit 1; done

lint:
	test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) vet ./...
