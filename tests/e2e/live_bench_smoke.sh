#!/usr/bin/env bash
# Smoke of the live-capture benchmark (bench/live.sh --once): a private network
# namespace with a veth pair, tcpreplay sends pcaps/factory_sample.pcapng at a
# low rate (500 pps for 2 s) into one end, `mieruka capture` listens on the
# other; it must receive every packet sent with zero kernel and interface drops.
# Needs root and network namespaces (exit 77 otherwise, from live.sh).
# Usage: live_bench_smoke.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1" src="$2"
MIERUKA="$bin" CAPTURE="$src/pcaps/factory_sample.pcapng" STEP_S=2 \
  exec bash "$src/bench/live.sh" --once 500
