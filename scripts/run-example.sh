#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Installs what is missing, builds the documents service and serves it on
# localhost:8080 with a database in build/docs.db. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-dependencies.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target docs-service
exec build/release/examples/docs_service/docs-service serve \
    --port "${PORT:-8080}" --db build/docs.db
