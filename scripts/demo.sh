#!/usr/bin/env bash
# The README's first command: set up, build (Release), read the bundled sample
# capture into the default embedded database (./mieruka.db) and print the ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMIERUKA_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mieruka
./build/mieruka read pcaps/factory_sample.pcapng
./build/mieruka assets
