# bi-platform: a newcomer needs only `make serve` and `make test`.
#
#   make tools   install the build and test tools, skipping what is present
#   make wasm    build the page's wasm modules, one binding crate each: the engine
#                (crates/web) into www/pkg/, the SQL parser (crates/web-sql) into
#                www/pkg-sql/, Parquet (crates/web-parquet) into www/pkg-parquet/, the
#                pivot's XLSX writer (crates/web-xlsx) into www/pkg-xlsx/; and the SQL
#                editor's CodeMirror bundle into www/pkg-editor/. Only what changed is
#                rebuilt: on an unchanged tree it takes seconds
#   make serve   tools + wasm, then serve www/ on http://127.0.0.1:8080/ (or $PORT)
#   make test    tools, then fmt, clippy (the native workspace, which also builds the
#                benches, and the four binding crates for wasm32), the layer check
#                (scripts/check-layers.sh: no wasm-bindgen, web-sys, js-sys or clap in the
#                engine's dependency tree), npm and cargo audits (skipped, saying so,
#                where their databases cannot be reached), a 5 s fuzz smoke run per
#                target (where nightly is), native tests (the whole workspace), and --
#                once their files exist -- browser tests (crates/web/tests/web.rs, through
#                wasm-pack test) and end-to-end tests with axe-core (tests/e2e/*.test.mjs)
#   make bench   release wasm, bench/'s own npm packages (DuckDB-WASM, SheetJS), native
#                criterion benches (cargo bench), then the browser benchmark
#                (node bench/run.mjs: the engines against DuckDB-WASM, then the page's
#                click-to-filter and pivot timings), then make bench-adhoc and make
#                bench-large; see BENCHMARKS.md. Not part of make test.
#   make bench-adhoc  the ad-hoc SQL corpus (bench/adhoc.sql) natively: ours against
#                DuckDB and SQLite on the same files, answers checked
#   make bench-large  10M-row files (written once to BENCH_LARGE_DIR) picked on the page:
#                time to the first chart and the renderers' peak memory
#   make clean   remove build output (target/, www/pkg*/)
#   make fuzz    long fuzz runs (FUZZ_SECONDS per target, default 240; needs nightly and
#                cargo-fuzz), then executions and coverage per target
#   make fuzz-smoke  a few seconds per target when nightly is there, else skipped

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# wasm-opt comes from npm's binaryen (Debian's is too old for current rustc output);
# cargo-installed tools live in ~/.cargo/bin.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

PORT ?= 8080
CHROMEDRIVER ?= /usr/bin/chromedriver
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

# The binding crates, each a wasm module of the page.
WASM_CRATES := -p bi-platform-web -p bi-platform-web-sql -p bi-platform-web-parquet -p bi-platform-web-xlsx

# Turned on by the presence of their files.
WEB_TESTS := $(wildcard crates/web/tests/web.rs)
E2E_TESTS := $(wildcard tests/e2e/*.test.mjs)

.PHONY: help tools wasm editor serve test bench bench-adhoc bench-large clean fuzz fuzz-smoke FORCE
FORCE:

help:
	@sed -n '3,31s/^# \{0,1\}//p' Makefile

tools:
	@bash scripts/install-tools.sh

# The page's first download is www/pkg/bi_platform_bg.wasm: crates/web, the engine's
# binding, over the engine without its optional features, so neither the SQL parser,
# Parquet nor the XLSX writer is in it (and the command line's clap is a crate of its
# own, crates/cli). The SQL parser is its own binding crate (crates/web-sql) built into
# www/pkg-sql/, which the page fetches when the SQL tab first opens. The Parquet reader
# and exporter (crates/web-parquet) is a third, www/pkg-parquet/, fetched on the first
# Parquet drop or export. The pivot's XLSX writer (crates/web-xlsx) is a fourth,
# www/pkg-xlsx/, fetched on the first "Export pivot XLSX" click.
#
# Each module is a file made from its sources, so make rebuilds only the modules whose
# sources changed (a release build with LTO and wasm-opt takes minutes on two cores): the
# engine (src/, Cargo.toml, Cargo.lock, .cargo/config.toml's rustflags), the binding
# crate's src/ and Cargo.toml, and the versions of the tools that build it. `make -B
# wasm` rebuilds everything.
MODULES := www/pkg/bi_platform_bg.wasm www/pkg-sql/bi_platform_sql_bg.wasm \
	www/pkg-parquet/bi_platform_parquet_bg.wasm www/pkg-xlsx/bi_platform_xlsx_bg.wasm
ENGINE_SOURCES := $(shell find src -type f) Cargo.toml Cargo.lock $(wildcard .cargo/config.toml)
binding_sources = $(shell find crates/$(1)/src -type f) crates/$(1)/Cargo.toml

# rustc, wasm-bindgen, wasm-opt and wasm-pack's versions, rewritten only when one changes
# (a new toolchain rebuilds the modules; an unchanged one leaves the file, and them, alone).
STAMPS := $(or $(CARGO_TARGET_DIR),target)/make-stamps
TOOL_VERSIONS := $(STAMPS)/wasm-tools
$(TOOL_VERSIONS): FORCE | tools
	@mkdir -p $(@D)
	@v="$$(rustc -V; wasm-bindgen --version; wasm-opt --version; wasm-pack --version)"; \
		[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || printf '%s\n' "$$v" >$@

# $(call wasm_pack,CRATE,OUT_NAME): builds crates/CRATE into the target's folder as
# OUT_NAME. wasm-pack's --out-dir is relative to the crate; the touch marks the module
# as made even where wasm-pack left an identical file alone.
wasm_pack = wasm-pack build crates/$(1) --release --target web --no-typescript \
	--out-dir ../../$(@D) --out-name $(2) && touch $@

www/pkg/bi_platform_bg.wasm: $(ENGINE_SOURCES) $(call binding_sources,web) $(TOOL_VERSIONS) | tools
	$(call wasm_pack,web,bi_platform)
www/pkg-sql/bi_platform_sql_bg.wasm: $(ENGINE_SOURCES) $(call binding_sources,web-sql) $(TOOL_VERSIONS) | tools
	$(call wasm_pack,web-sql,bi_platform_sql)
www/pkg-parquet/bi_platform_parquet_bg.wasm: $(ENGINE_SOURCES) $(call binding_sources,web-parquet) $(TOOL_VERSIONS) | tools
	$(call wasm_pack,web-parquet,bi_platform_parquet)
www/pkg-xlsx/bi_platform_xlsx_bg.wasm: $(ENGINE_SOURCES) $(call binding_sources,web-xlsx) $(TOOL_VERSIONS) | tools
	$(call wasm_pack,web-xlsx,bi_platform_xlsx)

wasm: $(MODULES) editor
	@for f in $(MODULES); do echo "$$f: $$(wc -c <$$f) bytes, $$(gzip -9 -c $$f | wc -c) gzipped"; done

# The SQL tab's editor: CodeMirror 6 (editor/package.json, its own npm packages) bundled
# by esbuild into one ES module, www/pkg-editor/codemirror.js, that www/sql-editor.js
# imports when the SQL tab first opens (not part of the first download). Rebuilt when
# editor/'s sources or its installed packages change.
EDITOR_BUNDLE := www/pkg-editor/codemirror.js
EDITOR_PACKAGES := editor/node_modules/.package-lock.json
editor: $(EDITOR_BUNDLE)
	@echo "$(EDITOR_BUNDLE): $$(wc -c <$(EDITOR_BUNDLE)) bytes, $$(gzip -9 -c $(EDITOR_BUNDLE) | wc -c) gzipped"

# npm writes its record of the install (the stamp) last.
$(EDITOR_PACKAGES): editor/package.json editor/package-lock.json
	@echo "==> npm ci (editor/)"
	cd editor && npm ci --no-audit --no-fund

$(EDITOR_BUNDLE): $(wildcard editor/*.js) $(EDITOR_PACKAGES)
	editor/node_modules/.bin/esbuild editor/entry.js --bundle --format=esm --minify --legal-comments=eof \
		--outfile=$@ --log-level=warning

serve: wasm
	@echo
	@echo "  Serving www/ at  http://127.0.0.1:$(PORT)/   (Ctrl-C to stop)"
	@echo
	python3 -m http.server --bind 127.0.0.1 --directory www $(PORT)

test: tools
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy $(WASM_CRATES) --all-targets --target wasm32-unknown-unknown -- -D warnings
	bash scripts/check-layers.sh
	bash scripts/audit.sh
	$(MAKE) --no-print-directory fuzz-smoke
	cargo test --workspace --doc
	cargo test --workspace --lib --bins --tests
ifneq ($(WEB_TESTS),)
	# From the crate's directory: given a path, wasm-pack hands `--test web` to the test
	# runner instead of cargo.
	cd crates/web && wasm-pack test --headless --chrome --chromedriver $(CHROMEDRIVER) -- --test web
endif
ifneq ($(E2E_TESTS),)
	$(MAKE) --no-print-directory wasm
	node --test $(E2E_TESTS)
endif

# BI_BENCH_LARGE=1 adds the 10M-row native dashboards (~3 GB RAM); BENCH_ROWS=100000
# makes the browser run smaller (bench/run.mjs lists its other knobs).
bench: tools wasm
	@if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then \
		echo "==> npm ci (bench/)"; cd bench && npm ci --no-audit --no-fund; \
	fi
	cargo build --release -p bi-platform-cli
	cargo bench -p bi-platform
	node bench/run.mjs
	$(MAKE) bench-adhoc
	$(MAKE) bench-large

# The ad-hoc corpus (bench/adhoc.sql) natively: ours (benches/adhoc.rs) beside DuckDB
# (PyPI duckdb) and SQLite on the same generated files, written once to BENCH_ADHOC_DIR,
# answers checked (bench/adhoc.py). BENCH_ROWS scales it; ADHOC_RUNS, DuckDB's runs.
BENCH_ADHOC_ROWS := $(or $(BENCH_ROWS),1000000)
BENCH_ADHOC_DIR ?= /tmp/bi-bench-adhoc-$(BENCH_ADHOC_ROWS)
bench-adhoc:
	cargo build --release
	@python3 -c 'import duckdb' 2>/dev/null || pip install duckdb
	@[ -f $(BENCH_ADHOC_DIR)/sales_targets.csv ] || $${CARGO_TARGET_DIR:-target}/release/bi-platform generate \
		--out $(BENCH_ADHOC_DIR) --tenants 100 --campaigns-per-tenant $$(( $(BENCH_ADHOC_ROWS) / 100 )) --targets-csv
	python3 bench/adhoc.py $(BENCH_ADHOC_DIR)

# 10M rows picked on the page (2.3 GB of files in BENCH_LARGE_DIR, written once): time
# to the first chart and the renderers' peak memory (bench/page/large.mjs).
BENCH_LARGE_DIR ?= /tmp/bi-bench-10m
bench-large: tools wasm
	cargo build --release -p bi-platform-cli
	@mkdir -p $(BENCH_LARGE_DIR)
	@[ -f $(BENCH_LARGE_DIR)/campaign-days.csv ] || node bench/campaign-days.mjs $(BENCH_LARGE_DIR)/campaign-days.csv
	@[ -f $(BENCH_LARGE_DIR)/distinct/campaigns.csv ] || target/release/bi-platform generate --out $(BENCH_LARGE_DIR)/distinct --tenants 100 --campaigns-per-tenant 100000
	node bench/page/large.mjs $(BENCH_LARGE_DIR)/campaign-days.csv $(BENCH_LARGE_DIR)/distinct/campaigns.csv

# Not part of `make test`: the replay of every corpus and crash file is
# (crates/fuzz-checks/tests/fuzz_regressions.rs, stable toolchain).
fuzz:
	@cargo +nightly --version >/dev/null 2>&1 || { echo "make fuzz needs the nightly toolchain"; exit 1; }
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	bash fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke:
	@if cargo +nightly --version >/dev/null 2>&1 && command -v cargo-fuzz >/dev/null; then \
		FUZZ_KEEP=0 bash fuzz/run.sh 5; \
	else \
		echo "fuzz-smoke skipped: needs the nightly toolchain and cargo-fuzz"; \
	fi

clean:
	cargo clean
	rm -rf www/pkg www/pkg-sql www/pkg-editor www/pkg-parquet www/pkg-xlsx bench/node_modules editor/node_modules
