#!/usr/bin/env bash
# The README's first command: set up, build (Release with profile-guided
# optimisation: scripts/build-pgo.sh), read the bundled sample capture into the
# default embedded database (./mieruka.db) and print the ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-pgo.sh build
cmake --build build -j"$(nproc)" --target mieruka
./build/mieruka read pcaps/factory_sample.pcapng
./build/mieruka assets
