# The two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin
PKGS    := ./...

.PHONY: run test bench build vet fmt-check deploy-check clean env-table demo

## run: everything locally — Postgres found or started, migrations, api + worker, URLs and an admin key printed
run: build
	$(BIN)/rtgs dev

## test: vet, formatting and the whole test suite with the race detector against real Postgres and Redis
test: vet fmt-check
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## demo: with `make run` going in another terminal, import the sample prospects and watch enrichment, scoring and CRM sync
demo: build
	$(BIN)/rtgs demo

## bench: whole-system figures, each beside its anchor measured in the same run
bench:
	$(GO) test -run '^$$' -bench BenchmarkAuthOverhead -benchtime 20000x ./api/
	$(GO) test -run '^$$' -bench BenchmarkCreateContactEnqueue -benchtime 10000x ./api/
	$(GO) test -run '^$$' -bench BenchmarkWebhookIngest -benchtime 100000x ./api/
	$(GO) test -run '^$$' -bench BenchmarkImport -benchtime 1x -timeout 30m ./internal/importer/
	$(GO) test -run '^$$' -bench 'BenchmarkEnrichment$$' -benchtime 1x -timeout 30m ./internal/enrichment/
	$(GO) test -run '^$$' -bench BenchmarkEnrichContactOverhead -benchtime 5000x -timeout 30m ./internal/enrichment/
	$(GO) test -run '^$$' -bench BenchmarkScoreContactThroughput -benchtime 3000x ./jobs/
	$(GO) test -run '^$$' -bench 'BenchmarkStepTransition|BenchmarkWorkflowThroughput' -benchtime 1x ./jobs/
	$(GO) test -run '^$$' -bench BenchmarkOutreachEnroll -benchtime 1x -timeout 30m ./jobs/ # RTGS_BENCH_ENROLL_CONTACTS=10000 for the full figure (about 17 min)
	$(GO) test -run '^$$' -bench 'BenchmarkAuthenticate' -benchtime 1s ./internal/auth/
	$(GO) test -run '^$$' -bench BenchmarkWorkerThroughput -benchtime 20000x ./internal/worker/
	$(GO) test -run '^$$' -bench BenchmarkLimiterAcquire -benchtime 20000x ./integrations/guard/
	$(GO) test -run '^$$' -bench 'BenchmarkLimitFidelity|BenchmarkVendorOutage' -benchtime 1x -timeout 30m ./internal/vendors/

## build: the three binaries into bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/api ./cmd/worker ./cmd/rtgs

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## deploy-check: render the Kubernetes overlays and validate the compose file
deploy-check:
	bash .ci/check-deploy

clean:
	rm -rf $(BIN)

## env-table: regenerate the README's configuration table from the code
env-table:
	@$(GO) run ./cmd/rtgs env --markdown > .env-table.tmp
	@awk 'BEGIN{skip=0} /<!-- env:start/{print; while ((getline line < ".env-table.tmp") > 0) print line; skip=1; next} /<!-- env:end -->/{skip=0} !skip' README.md > README.md.tmp && mv README.md.tmp README.md
	@rm -f .env-table.tmp
