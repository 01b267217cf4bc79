#!/usr/bin/env bash
# Packaging: the systemd unit (packaging/mieruka.service) passes `systemd-analyze
# verify`, keeps its hardening (capability bounding set, ambient capture
# capabilities, read-only system, private /tmp, no new privileges, AF_PACKET
# allowed, @system-service filter) with an exposure level of at most 3.0 in
# `systemd-analyze security`, and the Debian maintainer scripts are valid sh
# that create the `mieruka` user and /var/lib/mieruka. Skipped (77) without
# systemd-analyze.
# Usage: systemd_unit.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
command -v systemd-analyze >/dev/null || { echo "skipped: systemd-analyze not installed"; exit 77; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
unit="$src/packaging/mieruka.service"
# verify needs the ExecStart binaries to exist: point them at the one under test.
sed "s#/usr/bin/mieruka#$bin#g" "$unit" >"$tmp/mieruka.service"
out="$(systemd-analyze verify --man=no "$tmp/mieruka.service" 2>&1)"; rc=$?
check "systemd-analyze verify" test "$rc" -eq 0 -a -z "$out"
[ -n "$out" ] && echo "$out"
has() { grep -qxF "$1" "$unit"; }
check "CapabilityBoundingSet: capture only" has "CapabilityBoundingSet=CAP_NET_RAW"
check "AmbientCapabilities: capture only" has "AmbientCapabilities=CAP_NET_RAW"
check "runs as mieruka" has "User=mieruka"
check "NoNewPrivileges" has "NoNewPrivileges=yes"
check "ProtectSystem=strict" has "ProtectSystem=strict"
check "ReadWritePaths" has "ReadWritePaths=/var/lib/mieruka"
check "PrivateTmp" has "PrivateTmp=yes"
check "ProtectHome" has "ProtectHome=yes"
check "AF_PACKET allowed" grep -q "^RestrictAddressFamilies=.*AF_PACKET" "$unit"
check "SystemCallFilter" has "SystemCallFilter=@system-service"
check "reload is SIGHUP" has 'ExecReload=/bin/kill -HUP $MAINPID'
check "config checked before start" grep -q "^ExecStartPre=/usr/bin/mieruka config check" "$unit"
sec="$(systemd-analyze security --offline=yes "$tmp/mieruka.service" 2>&1 | grep 'Overall exposure level')"
level="$(echo "$sec" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')"
echo "     $sec"
check "exposure level <= 3.0" awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 3.0) }'
for s in postinst prerm; do
  check "$s is valid sh" sh -n "$src/packaging/$s"
  check "$s is executable" test -x "$src/packaging/$s"
done
check "postinst creates the user" grep -q "useradd --system" "$src/packaging/postinst"
check "postinst creates /var/lib/mieruka" grep -q "install -d -o mieruka -g mieruka -m 0750 /var/lib/mieruka" \
  "$src/packaging/postinst"
check "CPack ships the maintainer scripts" grep -q "CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA.*packaging/postinst" \
  "$src/CMakeLists.txt"
exit $fail
