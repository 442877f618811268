# The two commands: `make run` (set up and start the demo) and `make test` (the whole suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Database tests run on SQLite and on this PostgreSQL (the machine and CI start it; trust auth).
export CLUEGUARD_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# The rate-limit, session and served tests run on this Redis (db 15); without it they skip, and
# `make test` would prove less than CI does.
export CLUEGUARD_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PEERS := tests/peers/node_modules/.installed
# The suite runs in one process per core, a test file to a process (pytest-xdist; the production
# suite's files together, tests/conftest.py): much of it waits
# on servers, browsers and subprocesses. `make test TEST_WORKERS=0` runs it in this process.
TEST_WORKERS ?= auto

.PHONY: run test screenshots lint typecheck contracts install browser peers pdf-deps media-deps netns nginx systemd-analyze clean

run: $(STAMP) pdf-deps media-deps
	$(BIN)/clueguard demo --data-dir demo-data

test: $(STAMP) browser peers pdf-deps media-deps netns nginx systemd-analyze
	$(BIN)/ruff check bot web vault models benchmarks tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -q -r bot web vault models benchmarks
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The screenshots and figures the README and docs show (docs/screenshots/): the reporter's phone
# pages and every staff role's walk. `make test` writes them to a temporary directory and leaves
# the tree clean; this target alone rewrites the committed ones (review, then commit them).
screenshots: $(STAMP) browser peers pdf-deps media-deps
	CLUEGUARD_SCREENSHOTS_OUT=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:randomly -m browser \
	  tests/public/test_browser.py tests/cases/test_walks.py

lint: $(STAMP)
	$(BIN)/ruff check bot web vault models benchmarks tests
	$(BIN)/bandit -c pyproject.toml -q -r bot web vault models benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The architecture's import rules ([tool.importlinter] in pyproject.toml).
contracts: $(STAMP)
	$(BIN)/lint-imports

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Browser tests drive Debian's chromium through Playwright's Python client (never `playwright install`);
# fonts-noto-cjk so that Chinese in the screenshots is text, not empty boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || { \
	  echo "installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq chromium fonts-noto-cjk >/dev/null; }

# WeasyPrint (controlled copies, R21) needs Pango and a font that has Chinese glyphs.
pdf-deps:
	@{ fc-list 2>/dev/null | grep -qi "Noto Sans CJK" && ldconfig -p | grep -q libpangoft2-1.0; } || { \
	  echo "installing Debian's Pango and Noto CJK fonts for the PDF copies"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO \
	    apt-get -o DPkg::Lock::Timeout=900 install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk >/dev/null; }

# Evidence files are cleaned with ffmpeg (audio, video) inside bubblewrap; the tests read what is
# left with exiftool. Other helpers may hold the dpkg lock: wait for it rather than fail.
media-deps:
	@{ command -v ffmpeg >/dev/null 2>&1 && command -v exiftool >/dev/null 2>&1 && command -v bwrap >/dev/null 2>&1; } || { \
	  echo "installing Debian's ffmpeg, exiftool and bubblewrap for cleaning evidence files"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get \
	    -o DPkg::Lock::Timeout=900 install -y -qq ffmpeg libimage-exiftool-perl bubblewrap >/dev/null; }

# The split-deployment tests put the two nodes in network namespaces with nftables (root only;
# elsewhere those tests skip and say why).
netns:
	@if [ "$$(id -u)" = 0 ] && ! command -v nft >/dev/null 2>&1; then \
	  echo "installing Debian's nftables and iproute2 for the split-deployment tests"; \
	  { apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get -o DPkg::Lock::Timeout=900 install -y -qq nftables iproute2 >/dev/null; } \
	  || echo "could not install nftables: the namespace tests will skip"; fi

# `systemd-analyze verify` checks every unit in deploy/systemd (tests/test_deploy.py); Debian's
# systemd package has it. Other installs may hold the dpkg lock: wait for it.
systemd-analyze:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
	  echo "installing Debian's systemd for systemd-analyze (the unit files' check)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq systemd >/dev/null; } \
	  || echo "could not install systemd: the unit check will skip"
# The production suite (tests/production) puts Debian's nginx, with deploy/nginx's files, in front
# of the apps. The lock timeout: other installs may hold dpkg's lock on a shared machine.
# openssl makes the run's test CA.
nginx:
	@{ { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } && command -v openssl >/dev/null 2>&1; } || { \
	  echo "installing Debian's nginx and openssl for the production suite"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO \
	    apt-get -o DPkg::Lock::Timeout=900 install -y -qq nginx openssl >/dev/null; }

# The local Telegram Bot API emulator used by the bot's end-to-end test (pinned in tests/peers/package.json).
peers: $(PEERS)

$(PEERS): tests/peers/package.json
	cd tests/peers && npm install --no-audit --no-fund --silent
	touch $@

clean:
	rm -rf $(VENV) tests/peers/node_modules
