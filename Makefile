# Stepping Stones: the two commands are `make run` (demo on http://127.0.0.1:5000) and
# `make test` (the whole suite against PostgreSQL and Redis, which it starts if they are down).
#
#   make run [PORT=5000] [ADMIN_PASSWORD=…]   install, migrate, sync tenants, demo data, serve
#   make test [PYTEST_ARGS=…] [PYTEST_WORKERS=2] install, start PostgreSQL + Redis, run pytest
#   make lint                                 ruff check + ruff format --check
#   make assets                               copy NHS.UK frontend + Swagger UI into core/static
#   make oidc [OIDC_PORT=9010]                the development OpenID provider for partner SSO
#   make clean                                remove built assets, caches and install stamps
#   make distclean                            clean, and remove .venv and node_modules too

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app core
PORT ?= 5000
# The demo passphrase guards synthetic demo data only. The demo admin uses ADMIN_PASSWORD and
# the demo people `flask demo load` creates use DEMO_PASSWORD; both default to the passphrase
# below (the default of core/accounts/demo.py).
DEFAULT_DEMO_PASSWORD := stepping stones demo
DEMO_PASSWORD ?= $(DEFAULT_DEMO_PASSWORD)
ADMIN_PASSWORD ?= $(DEMO_PASSWORD)
ADMIN_EMAIL := admin@demo.example
ADMIN_NAME := Demo Administrator
DEMO_TENANTS := southern-health sussex-partnership harbour-housing
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The development OpenID provider (npm oidc-provider) has its own package.json (issue 6).
OIDC_DIR := tests/sso/provider
OIDC_STAMP := $(OIDC_DIR)/node_modules/.installed
OIDC_PORT ?= 9010
# Shared by the demo tenants' [[sso]] (client_secret_env) and the dev provider's demo clients.
SSO_DEV_CLIENT_SECRET ?= stepping-stones-dev-secret
VENDOR := core/static/vendor
ASSET_STAMP := $(VENDOR)/.installed
NHSUK_DIST := node_modules/nhsuk-frontend/dist/nhsuk
SWAGGER_DIST := node_modules/swagger-ui-dist

export ADMIN_PASSWORD DEMO_PASSWORD SSO_DEV_CLIENT_SECRET

.PHONY: help install assets run test services lint format clean distclean oidc

help:
	@sed -n '/^#/!q; s/^# \{0,1\}//p' Makefile

# --- installation (each step reruns only when its inputs changed) ---------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(NODE_STAMP): package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
	else npm install --no-audit --no-fund; fi
	touch $@

$(ASSET_STAMP): $(NODE_STAMP)
	rm -rf $(VENDOR)/nhsuk $(VENDOR)/swagger-ui
	mkdir -p $(VENDOR)/nhsuk $(VENDOR)/swagger-ui
	cp $(NHSUK_DIST)/nhsuk-frontend.min.css $(NHSUK_DIST)/nhsuk-frontend.min.js $(VENDOR)/nhsuk/
	cp -R $(NHSUK_DIST)/assets $(VENDOR)/nhsuk/assets
	cp $(SWAGGER_DIST)/swagger-ui.css $(SWAGGER_DIST)/swagger-ui-bundle.js \
	   $(SWAGGER_DIST)/swagger-ui-standalone-preset.js $(VENDOR)/swagger-ui/
	touch $@

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(wildcard $(OIDC_DIR)/package-lock.json)
	cd $(OIDC_DIR) && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
	else npm install --no-audit --no-fund; fi
	touch $@

install: $(PY_STAMP) $(ASSET_STAMP)

assets: $(ASSET_STAMP)

# --- the demo ------------------------------------------------------------------------------

run: install
	$(FLASK) db upgrade
	$(FLASK) tenants sync
	@# --if-missing keeps an existing admin's password but still grants each membership.
	for tenant in $(DEMO_TENANTS); do \
	  $(FLASK) users create-admin --email $(ADMIN_EMAIL) --name "$(ADMIN_NAME)" \
	    --tenant "$$tenant" --if-missing; \
	done
	$(FLASK) demo load
	@echo
	@echo "  Stepping Stones demo: http://127.0.0.1:$(PORT)/sign-in"
	@echo "  Sign in as $(ADMIN_EMAIL) (tenant_admin of $(DEMO_TENANTS))"
	@if [ "$$ADMIN_PASSWORD" = "$(DEFAULT_DEMO_PASSWORD)" ]; then pw="'$$ADMIN_PASSWORD'"; \
	else pw="you set in ADMIN_PASSWORD"; fi; echo "  with the password $$pw."
	@echo "  Demo people (e.g. practitioner@southern-health.demo.example) use the same demo passphrase"
	@echo "  unless DEMO_PASSWORD is set. Synthetic data only. Ctrl-C stops the server."
	@echo
	exec $(FLASK) run --host 127.0.0.1 --port $(PORT)

# --- tests ---------------------------------------------------------------------------------

services:
	.ci/services

test: install $(OIDC_STAMP) services
	@# Each xdist worker gets its own database (tests/conftest.py). Any pytest failure fails
	@# make, exit 5 (no tests collected) included.
	$(BIN)/python -m pytest $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS)) \
	    $(PYTEST_ARGS)

# Partner SSO against the development OpenID provider: sign in at /sign-in?tenant=southern-health
# as a demo user (no password; development only). The demo tenants point at 127.0.0.1:9010.
oidc: $(OIDC_STAMP)
	cd $(OIDC_DIR) && OIDC_PORT=$(OIDC_PORT) OIDC_DEV_CLIENT_SECRET="$$SSO_DEV_CLIENT_SECRET" \
	    OIDC_APP_URLS=http://127.0.0.1:$(PORT),http://localhost:$(PORT) exec node server.js

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(PY_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# --- housekeeping --------------------------------------------------------------------------

clean:
	rm -rf $(VENDOR) $(PY_STAMP) $(NODE_STAMP) .pytest_cache .ruff_cache .hypothesis \
	    test-results build dist *.egg-info
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
	    -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules $(OIDC_DIR)/node_modules
