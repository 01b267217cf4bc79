#!/usr/bin/env bash
# Installs what building and testing Mieruka needs, from Debian's packages.
# Uses sudo when not root; does nothing when everything is already installed.
#   setup.sh          everything: building, tests, benchmarks, fuzzing
#   setup.sh --build  only what building mieruka itself needs (scripts/demo.sh)
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake pkg-config git
  libpcap-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libtomlplusplus-dev libssl-dev ieee-data libgraphviz-dev
  libcurl4-openssl-dev libsodium-dev libcpp-httplib-dev libhowardhinnant-date-dev tzdata libpugixml-dev
  libpq-dev  # the central store (sensor/central/)
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev ninja-build
  clang libclang-rt-14-dev
  # test-only: real receivers on loopback and a headless browser
  python3 python3-aiosmtpd python3-selenium chromium chromium-driver fonts-noto-cjk sqlite3 iproute2
  poppler-utils  # test-only: pdftotext reads the printed checklist report's pages
  # test-only: tshark agreement of the identity fields, live-capture replay
  tshark tcpreplay
  # test-only: a real PostgreSQL server for the central store's tests
  postgresql
  time  # bench/: a command's peak memory (GNU time)
)

case "${1:-}" in
  --build) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
  "") PACKAGES=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "setup: unknown option $1 (use --build for the build dependencies only)" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
