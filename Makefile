# Fullscript Companion. The two commands a newcomer needs:
#   make run    install what is missing, build, open the app on the built-in sandbox
#   make test   every test: vet, Go (race), frontend, the desktop smoke test, the
#               browser tests, and the packages installed into a clean Debian root

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Go's usual install place, for shells that have not added it yet.
export PATH := $(PATH):/usr/local/go/bin

BINARY     := build/bin/fullscript-companion
WAILS      := go tool wails
BUILD_TAGS := webkit2_41

# What the binary is built from; generated code (frontend/wailsjs, dist) is an output.
GO_SOURCES       := $(shell find . -name '*.go' -not -name '*_test.go' -not -path './frontend/*' -not -path './build/*' -not -path './tools/*') \
                    $(wildcard backend/sandbox/web/*) go.mod go.sum wails.json build/appicon.png build/linux/icons/hicolor/256x256/apps/org.fullscriptcompanion.Companion.png
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f) frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package-lock.json
NODE_MODULES     := frontend/node_modules/.package-lock.json

# make test runs these in order and prints one line per step at the end.
TEST_STEPS := vet go-test frontend-typecheck frontend-test smoke browser package-test

# Packages: the version is the tag on this commit (v1.2.3), else wails.json's
# productVersion with the commit count and hash after a +, so every build of
# a later commit sorts as an upgrade of the one before; .dirty marks a build
# with uncommitted changes. The app reports the same version.
APP_VERSION := $(shell sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' wails.json)
PKG_VERSION ?= $(shell t=$$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null) && echo "$${t#v}" || \
  echo "$(APP_VERSION)+git$$(git rev-list --count HEAD 2>/dev/null || echo 0).$$(git rev-parse --short=8 HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD 2>/dev/null || echo .dirty)")
VERSION    ?= $(PKG_VERSION)
LDFLAGS    := -X fullscript-companion/backend/companion.version=$(VERSION)
PKG_DATE   := $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)
DIST       := dist
PKG_STAGE  := build/package
NFPM       := build/tools/nfpm
WINDOWS_EXE       := build/bin/fullscript-companion.exe
WINDOWS_INSTALLER := build/bin/Fullscript Companion-amd64-installer.exe

.PHONY: help run build deps test $(TEST_STEPS) bench soak fuzz dev icons clean package package-deps

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

run: ## Install what is missing, build, and open the app (built-in sandbox)
	@.ci/install-deps run
	@$(MAKE) build
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make run: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are empty)."; \
	  echo "On a desktop session it opens directly. On a headless machine, give it a virtual display:"; \
	  echo "  apt-get install xvfb xauth && xvfb-run make run"; \
	  exit 1; \
	fi
	./$(BINARY)

build: $(BINARY) ## Build build/bin/fullscript-companion

deps: ## Install the system packages the tests need (apt-get on Debian/Ubuntu)
	@.ci/install-deps test

$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

# Wails generates the bindings, builds the frontend (npm run build) and
# compiles the Go side into one binary. -m: a build must not rewrite go.mod
# (wails would run go mod tidy).
$(BINARY): $(NODE_MODULES) $(GO_SOURCES) $(FRONTEND_SOURCES)
	$(WAILS) build -m -tags $(BUILD_TAGS) -ldflags "$(LDFLAGS)"
	@touch $@

# make test installs what the tests need first, as make run does for the
# build, so a new machine passes it by following the README alone.
test: ## Install what the tests need, run every test and print a summary
	@.ci/install-deps test
	@$(MAKE) $(NODE_MODULES)
	@started=$$(date +%s); results=(); failed=0; \
	for step in $(TEST_STEPS); do \
	  echo "==> $$step"; t0=$$(date +%s); \
	  if $(MAKE) $$step; then r=ok; else r=FAIL; failed=$$((failed + 1)); fi; \
	  results+=("$$(printf '%-4s %-20s %4ss' "$$r" "$$step" "$$(( $$(date +%s) - t0 ))")"); \
	done; \
	echo; echo "make test summary:"; printf '  %s\n' "$${results[@]}"; \
	total=$$(( $$(date +%s) - started )); \
	if [ $$failed -eq 0 ]; then echo "make test: PASS ($(words $(TEST_STEPS)) steps in $${total}s; screenshot: build/smoke/desktop-smoke.png)"; \
	else echo "make test: FAIL ($$failed of $(words $(TEST_STEPS)) steps failed, $${total}s)"; exit 1; fi

vet: ## go vet and gofmt; also without cgo, which proves no WebKit headers are needed
	go vet ./...
	CGO_ENABLED=0 go vet ./...
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './frontend/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

# The vault's keyring test needs a Secret Service: give the tests a private
# D-Bus session with a gnome-keyring of their own (a fresh keyring folder,
# unlocked with a throwaway password), never the developer's keyring.
go-test: ## Go tests with the race detector (in a throwaway keyring session when possible)
	@if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then \
	  kr=$$(mktemp -d); trap 'rm -rf "$$kr"' EXIT; \
	  dbus-run-session -- sh -c 'echo -n test | XDG_DATA_HOME="$$0" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; FSC_REQUIRE_KEYRING=1 exec go test -race -count=1 ./...' "$$kr" 2>&1 \
	    | grep -v -e 'Failed to set fd limit' -e 'dbus-daemon.*Activat' ; exit $${PIPESTATUS[0]}; \
	else \
	  echo "go-test: no dbus-run-session/gnome-keyring: the real-keyring test will skip (make deps installs them)"; \
	  go test -race -count=1 ./...; \
	fi

frontend-typecheck: $(NODE_MODULES) ## TypeScript, strict
	cd frontend && npm run --silent typecheck

frontend-test: $(NODE_MODULES) ## Vitest
	cd frontend && npm test --silent

smoke: $(BINARY) ## The real app in a real window under Xvfb, with a screenshot
	go test -tags smoke -count=1 -run TestDesktopSmoke -v .

browser: $(BINARY) $(NODE_MODULES) ## The real fullscript-js in headless Chromium against the sandbox
	cd frontend && FSC_BINARY=$(CURDIR)/$(BINARY) npm run --silent test:browser

package: package-deps $(BINARY) $(NFPM) ## Linux .deb/.rpm, the Windows .exe and its installer, and SHA256SUMS, into dist/
	rm -rf $(DIST) $(PKG_STAGE) && mkdir -p $(DIST) $(PKG_STAGE)
	go run ./tools/manpage -version "$(PKG_VERSION)" -date "$(PKG_DATE)" | gzip -9n > $(PKG_STAGE)/fullscript-companion.1.gz
	desktop-file-validate build/linux/org.fullscriptcompanion.Companion.desktop
	appstreamcli validate --no-net build/linux/org.fullscriptcompanion.Companion.metainfo.xml
	@# The binary again, so it reports this version whatever make build last saw.
	$(WAILS) build -m -s -skipbindings -tags $(BUILD_TAGS) -ldflags "-X fullscript-companion/backend/companion.version=$(PKG_VERSION)"
	for packager in deb rpm; do \
	  PKG_VERSION="$(PKG_VERSION)" PKG_ARCH=amd64 \
	    $(NFPM) package --config build/linux/nfpm.yaml --packager $$packager --target $(DIST)/; \
	done
	@# Cross-built with no cgo. Wails only warns when makensis is missing, so
	@# the installer is checked for, not assumed.
	rm -f $(WINDOWS_EXE) "$(WINDOWS_INSTALLER)"
	$(WAILS) build -m -s -skipbindings -platform windows/amd64 -nsis -ldflags "-X fullscript-companion/backend/companion.version=$(PKG_VERSION)"
	@test -f "$(WINDOWS_INSTALLER)" || { echo "make package: the NSIS installer was not built (is makensis installed? make package-deps)"; exit 1; }
	cp $(WINDOWS_EXE) $(DIST)/fullscript-companion-$(PKG_VERSION)-windows-amd64.exe
	cp "$(WINDOWS_INSTALLER)" $(DIST)/fullscript-companion-$(PKG_VERSION)-windows-amd64-setup.exe
	cd $(DIST) && sha256sum -- *.deb *.rpm *.exe > SHA256SUMS && sha256sum -c --quiet SHA256SUMS
	@echo "make package: $(PKG_VERSION) in $(DIST)/:"; ls -l $(DIST)

package-deps: ## What make package needs: nsis, desktop-file-utils, appstream
	@.ci/install-deps package

# nfpm is a tool with its own module (tools/nfpm), so its dependencies stay
# out of the app's module graph.
$(NFPM): tools/nfpm/go.mod tools/nfpm/go.sum
	cd tools/nfpm && go build -o $(CURDIR)/$(NFPM) github.com/goreleaser/nfpm/v2/cmd/nfpm

# The test needs root (debootstrap, chroot, mount): it is compiled as you and
# run through sudo when you are not root.
package-test: package ## Install the .deb into a clean Debian 12 root, open a link in it, remove it (root; debootstrap)
	go test -tags package -c -o $(PKG_STAGE)/package.test .
	$$( [ "$$(id -u)" -eq 0 ] || echo sudo ) ./$(PKG_STAGE)/package.test -test.run 'TestPackage' -test.count 1 -test.timeout 20m -test.v

# The desktop side by side with a bare Wails app (it generates and builds
# one, and needs Xvfb and npm), time to embed in the real app under wails
# dev beside fullscript-js in a bare page, then the Go benchmarks in
# interleaved rounds; all go into docs/benchmarks.md and docs/benchmarks.json.
BENCH_RUNS   ?= 9
BENCH_ROUNDS ?= 6
bench: $(BINARY) ## Benchmarks, each beside its baseline: writes docs/benchmarks.md (BENCH_RUNS, BENCH_ROUNDS)
	@.ci/install-deps test
	go run ./tools/benchdesktop -runs $(BENCH_RUNS) -out build/bench/desktop.json
	cd frontend && BENCH_EMBED_ROUNDS=$(BENCH_RUNS) npm run --silent bench:embed
	go run ./tools/benchdoc -rounds $(BENCH_ROUNDS) -desktop build/bench/desktop.json -embed build/bench/embed.json

# Not part of make test: the soak build tag keeps these out of go test ./...
# SOAK_LOAD (60s) and SOAK_KILLS (200) set their length; -p 1 so the two
# packages do not share the two CPUs with each other.
soak: ## Soak: 60 s of grants for 50 accounts, then a refreshing CLI killed 200 times (docs/reliability.md)
	@mkdir -p build
	go test -tags soak -run '^TestSoak(Load|Crash)$$' -count=1 -p 1 -timeout 20m -v ./backend/companion ./backend/cli | tee build/soak.txt
	@echo; grep '^soak:' build/soak.txt

# Every Go fuzz target (func FuzzXxx in a _test.go file), each for FUZZTIME,
# one after another; go test runs their seed corpora (testdata/fuzz) anyway.
# An input that fails is saved under that package's testdata/fuzz.
FUZZTIME ?= 30s
fuzz: ## Run every fuzz target for FUZZTIME each (default 30s: make fuzz FUZZTIME=5s)
	@failed=(); count=0; \
	for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . --exclude-dir=frontend --exclude-dir=build --exclude-dir=tools | sort); do \
	  pkg=./$$(dirname "$${file#./}"); \
	  for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
	    count=$$((count + 1)); echo "==> $$name ($$pkg, $(FUZZTIME))"; \
	    go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" || failed+=("$$name ($$pkg)"); \
	  done; \
	done; \
	if [ $$count -eq 0 ]; then echo "make fuzz: no fuzz targets found"; exit 1; fi; \
	if [ $${#failed[@]} -gt 0 ]; then echo "make fuzz: FAIL: $${failed[*]}"; exit 1; fi; \
	echo "make fuzz: PASS ($$count targets, $(FUZZTIME) each)"

dev: $(NODE_MODULES) ## Live-reloading development window (wails dev)
	$(WAILS) dev -m -tags $(BUILD_TAGS)

icons: ## Render build/appicon.png, the Windows .ico and the Linux icons from build/appicon.svg (needs chromium)
	@command -v chromium >/dev/null || { echo "make icons needs chromium: apt-get install chromium"; exit 1; }
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	printf '<body style="margin:0"><img src="file://%s" width=1024 height=1024>' "$(CURDIR)/build/appicon.svg" > "$$tmp/icon.html"; \
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
	  --disable-component-update --disable-sync --user-data-dir="$$tmp/profile" --hide-scrollbars \
	  --default-background-color=00000000 --window-size=1024,1024 --screenshot="$$tmp/icon.png" "file://$$tmp/icon.html" 2>/dev/null; \
	convert "$$tmp/icon.png" -strip build/appicon.png; \
	convert "$$tmp/icon.png" -define icon:auto-resize=256,128,64,48,32,16 build/windows/icon.ico; \
	cp build/appicon.svg frontend/src/assets/app-icon.svg
	for n in 16 24 32 48 64 128 256 512; do \
	  convert build/appicon.png -resize $${n}x$${n} -strip build/linux/icons/hicolor/$${n}x$${n}/apps/org.fullscriptcompanion.Companion.png; \
	done
	cp build/appicon.svg build/linux/icons/hicolor/scalable/apps/org.fullscriptcompanion.Companion.svg

clean: ## Remove build outputs
	rm -rf build/bin build/smoke build/package build/tools dist frontend/dist/assets frontend/dist/index.html
