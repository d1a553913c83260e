# meshbench: `make help` lists the targets.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/meshbench
OUT   ?= out/latest
# QUICK=1 runs only the smoke scenario with shortened windows (CI gates).
QUICK ?=
SCENARIOS ?= $(if $(QUICK),scenarios/smoke.yaml,$(wildcard scenarios/*.yaml))
# WAIVE=1 publishes numbers of meshes that failed conformance, marked as such.
WAIVE ?=
# DATAPATH_PROBE: what the eBPF datapath does where its kernel self-test
# fails (degrade, no-splice, required); conformance and run use the same.
DATAPATH_PROBE ?= degrade
RUNFLAGS  ?= $(if $(QUICK),--quick,) $(if $(WAIVE),--waive-conformance,) --datapath-probe $(DATAPATH_PROBE)
CONFORMANCEFLAGS ?= --datapath-probe $(DATAPATH_PROBE)
BASELINE ?= out/baseline/results.json
GATES    ?= .github/meshbench-gates.yaml

.PHONY: help build bench conformance crosscheck gate test lint generate down clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build bin/meshbench
	$(GO) build -o $(BIN) ./cmd/meshbench

bench: ## Install what is missing, build, check conformance, run the default scenarios into out/latest (QUICK=1: smoke only, 1 s windows)
	hack/deps.sh bench
	$(MAKE) --no-print-directory build
	hack/conformance.sh $(BIN) $(OUT) $(CONFORMANCEFLAGS)
	$(BIN) run $(RUNFLAGS) --conformance $(OUT)/conformance.json --out $(OUT) $(SCENARIOS)

conformance: ## Check that every mesh delivers traffic correctly; writes out/latest/conformance.{json,md}, exit 1 on any failure
	hack/deps.sh bench
	$(MAKE) --no-print-directory build
	$(BIN) conformance --out $(OUT) $(CONFORMANCEFLAGS)

crosscheck: ## Measure the same pods with iperf3, wrk and meshbench, interleaved; writes out/crosscheck/crosscheck.json, exit 1 when they differ by more than 15%
	hack/deps.sh bench
	$(MAKE) --no-print-directory build
	$(BIN) crosscheck --out out/crosscheck

gate: ## Quick benchmark, then compare with BASELINE using GATES: exit 1 on a regression (baseline: cp out/latest/results.json out/baseline/)
	$(MAKE) --no-print-directory bench QUICK=1
	BIN=$(BIN) OUT=$(OUT) BASELINE=$(BASELINE) GATES=$(GATES) hack/gate.sh

# KIND=0 leaves the kind tests out of make test (they need Docker and the
# offline node image, about 10 minutes to build the first time).
KIND ?= 1
KINDTEST = $(if $(filter 1,$(KIND)),MESHBENCH_KIND=1 MESHBENCH_BIN=$(abspath $(BIN)),)

test: ## Run every test, privileged ones and the kind e2e suite included (needs root; KIND=0 leaves kind out; under CI=true nothing may skip)
	hack/deps.sh test
	$(if $(filter 1,$(KIND)),$(MAKE) --no-print-directory kind-env,)
	$(GO) vet ./...
	$(KINDTEST) $(GO) test -count=1 -timeout 30m ./...

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '_bpfe[lb]\.go$$'))" || { gofmt -l .; exit 1; }
	$(GO) vet ./...

generate: ## Recompile the BPF programs into datapath/*_bpfel.{go,o} (needs clang; the outputs are committed)
	hack/deps.sh generate
	$(GO) generate ./datapath

kind-image: ## Build the kind node image offline (meshbench/kind-node:v1.33.4, meshbench/debian-base:bookworm); steps cached in out/kind-build
	hack/deps.sh kind
	hack/dockerd.sh
	$(MAKE) --no-print-directory build
	$(BIN) kind build-image

# kind-env is what kind clusters need on this host: Docker answering, the
# runc wrapper where dockerd lacks a capability, and the node image.
kind-env: kind-image
	hack/runc-bounding-caps.sh check >/dev/null 2>&1 || hack/runc-bounding-caps.sh install

.PHONY: kind-image kind-env

down: build ## Remove everything meshbench created on this host
	$(BIN) down

.PHONY: kind-up kind-down e2e

kind-up: kind-env ## Create kind cluster mb-default from the offline node image (NAME=, NODES=1|2; default 2) and print its nodes
	$(BIN) up --substrate kind --nodes $(or $(NODES),2) $(if $(NAME),--cluster $(NAME),)

kind-down: build ## Remove every meshbench kind cluster (mb-*), their kubeconfigs and the mb-kind network
	$(BIN) down --substrate kind

e2e: kind-env ## Run the kind e2e suite on a fresh cluster mb-e2e (E2EFLAGS=--kubeconfig=PATH reuses one)
	MESHBENCH_KIND=1 MESHBENCH_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 30m -v ./internal/substrate/kind/e2e/ $(if $(E2EFLAGS),-args $(E2EFLAGS),)

clean: ## Remove build output and results
	rm -rf bin out
