#!/usr/bin/env bash
# The README's first command: install what building needs, build mieruka once
# (plain Release: the profile-guided build that the benchmarks and the package
# use compiles the tree twice, too long for a first look), read
# the bundled sample capture into the default embedded database (./mieruka.db)
# and print the ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMIERUKA_PGO= -DMIERUKA_TESTS=OFF -DMIERUKA_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mieruka
./build/mieruka read pcaps/factory_sample.pcapng
./build/mieruka assets
