#!/usr/bin/env bash
# scripts/cell up 3 / status / down, as the README shows it: ZooKeeper, the MariaDB pair,
# iris-dbmon and three irisd joined to one cell; every server sees the other two; irisctl
# shows them; down leaves no process behind. Skipped (77) without ZooKeeper or MariaDB.
set -euo pipefail
root="$1"; build="$2"
[ -f /usr/share/java/zookeeper.jar ] && command -v mariadbd >/dev/null || { echo "SKIPPED: no zookeeper or mariadbd"; exit 77; }
dir=$(mktemp -d /tmp/iris-cell-smoke.XXXXXX)
# Whatever step fails, show where and what the pieces logged.
trap 'echo "failed at line $LINENO: $BASH_COMMAND"; tail -n 5 "$dir"/irisd-*/irisd.log "$dir"/zookeeper/zookeeper.log "$dir"/dbmon.log 2>/dev/null' ERR
trap 'IRIS_BUILD="$build" "$root/scripts/cell" down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
IRIS_BUILD="$build" "$root/scripts/cell" up 3 --dir "$dir" --cluster.admin_users 1
for _ in $(seq 1 100); do
  n=0
  for i in 1 2 3; do
    grep -q "membership version [0-9]*: 3 servers" "$dir/irisd-$i/irisd.log" && n=$((n + 1))
  done
  [ "$n" = 3 ] && break
  sleep 0.1
done
[ "$n" = 3 ] || { echo "not every server saw a cell of three"; tail -3 "$dir"/irisd-*/irisd.log; exit 1; }
IRIS_BUILD="$build" "$root/scripts/cell" status --dir "$dir" | grep -c "running" | grep -qx 3
# irisctl's view of the same cell (apps/irisctl): servers, figures, the pair's roles, owners.
zk_port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$dir/zookeeper/state")
source "$dir/mariadb/state.env"
/usr/bin/python3 "$root/tests/e2e/irisctl_check.py" "$build/apps/irisctl/irisctl" "127.0.0.1:$zk_port" \
  "$IRIS_MARIADB_SERVERS" 3 "$build/apps/irisd/irisd" "$dir"
pids=$(cat "$dir"/irisd-*/pid "$dir/dbmon.pid")
IRIS_BUILD="$build" "$root/scripts/cell" down --dir "$dir"
for p in $pids; do
  if kill -0 "$p" 2>/dev/null; then echo "pid $p still running after down"; exit 1; fi
done
grep -q "cluster: drained in" "$dir/irisd-1/irisd.log" || { echo "irisd-1 did not drain"; exit 1; }
grep -q "left cell cell as irisd-1" "$dir/irisd-1/irisd.log" || { echo "irisd-1 did not leave cleanly"; exit 1; }
echo "passed: scripts/cell up 3 / status / down"
