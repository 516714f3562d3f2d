# Lotse – common tasks. `make test` is what CI runs.
GO ?= go

.PHONY: run test bench bench-match lint fuzz build deps

build:
	$(GO) build -o lotse ./cmd/lotse

run:
	$(GO) run ./cmd/lotse serve -demo

# deps installs Debian's Chromium for the browser tests, GNU time for
# bench-match, python3 with networkx for the matching checker and xmllint for
# the SEPA schema checks (accounting/pain001_test.go) when they are missing.
deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq chromium >/dev/null; }
	@test -x /usr/bin/time || { \
	  echo "installing time for bench-match"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq time >/dev/null; }
	@{ command -v python3 >/dev/null 2>&1 && python3 -c 'import networkx' 2>/dev/null; } || { \
	  echo "installing python3 and networkx for the matching checker (matching/checker_test.go)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq python3 python3-networkx >/dev/null; }
	@command -v xmllint >/dev/null 2>&1 || { \
	  echo "installing libxml2-utils (xmllint) for the SEPA schema checks"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq libxml2-utils >/dev/null; }
	@command -v pdftotext >/dev/null 2>&1 || { \
	  echo "installing poppler-utils (pdftotext) to read the PDFs back in accounting/pdf_test.go"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo) apt-get update -qq && $$(command -v sudo) apt-get install -y -qq poppler-utils >/dev/null; }

test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

# The matching benchmarks run 10 s each, which keeps the 100k × 20k case to a
# few iterations.
MATCH_BENCHTIME ?= 10s
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./store/ ./geo/ ./handlers/ ./accounting/
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(MATCH_BENCHTIME) -timeout 30m ./matching/
	$(GO) test -run '^$$' -bench 'Queue10kMails|Dispatch' -benchtime 1x -timeout 30m ./service/

# bench-match times `lotse match` end to end, as a user runs it, on the
# benchmarks' three generated scenarios (matching/scenario_gen_test.go): wall
# time and peak memory, then the result's stats. The files stay in BENCH_DIR.
BENCH_DIR ?= /tmp/lotse-bench
MATCH_SIZES = 1kx300 10kx3k 100kx20k
bench-match: build
	@test -x /usr/bin/time || { echo "bench-match needs /usr/bin/time: run make deps"; exit 1; }
	@mkdir -p $(BENCH_DIR)
	@for s in $(MATCH_SIZES); do \
	  out=$$(LOTSE_WRITE_SCENARIO=$(BENCH_DIR)/scenario-$$s.json,$$s \
	    $(GO) test -count=1 -run '^TestWriteScenario$$' ./matching/ 2>&1) || { echo "$$out"; exit 1; }; done
	@for s in $(MATCH_SIZES); do \
	  echo "== lotse match $$s ($$(du -h $(BENCH_DIR)/scenario-$$s.json | cut -f1))"; \
	  /usr/bin/time -f '%e s wall, %M KB peak RSS' ./lotse match \
	    -in $(BENCH_DIR)/scenario-$$s.json -out $(BENCH_DIR)/result-$$s.json 2>&1 || exit 1; \
	  sed -n '/"stats"/,/}/p' $(BENCH_DIR)/result-$$s.json; done

FUZZTIME ?= 30s
FUZZERS = geo:FuzzNormalizePLZ geo:FuzzParse mail:FuzzParseURL \
	handlers:FuzzBindSignup handlers:FuzzDecodeSignupJSON handlers:FuzzBindRequestForm handlers:FuzzDecodeRequestJSON \
	matching:FuzzDecode matching:FuzzBruteForce \
	accounting:FuzzParseMoney accounting:FuzzValidateIBAN accounting:FuzzSEPAText \
	accounting:FuzzPain001Text accounting:FuzzDATEVText accounting:FuzzCSVText accounting:FuzzParseKmRate
fuzz:
	@for pf in $(FUZZERS); do \
	  pkg=$${pf%%:*}; fn=$${pf#*:}; echo "== $$fn ($$pkg)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./$$pkg/ || exit 1; done

lint:
	test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) vet ./...
