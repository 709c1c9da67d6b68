"""End-to-end case of the cluster benchmark's sends step (bench/cluster/sends.sh, `scripts/bench
cluster`) on a small load: the step starts its own cell (ZooKeeper, the MariaDB pair, irisd-1..3)
and stops it by PID; here it must print every figure it can measure, and no acknowledged send
may be lost on the way."""
import os
import subprocess

import irisd_e2e
from irisd_e2e import Skip

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def case_cluster_bench_sends_step_prints_its_figures_and_loses_no_acknowledged_send():
    build = os.path.dirname(os.path.dirname(os.path.dirname(irisd_e2e.IRISD)))
    for tool in ("apps/iris-bench/iris-bench", "apps/iris-dbmon/iris-dbmon"):
        if not os.access(os.path.join(build, tool), os.X_OK):
            raise Skip("%s not built in %s" % (tool, build))
    if not os.path.exists("/usr/share/java/zookeeper.jar"):
        raise Skip("no ZooKeeper (apt-get install zookeeper)")
    env = dict(os.environ, IRIS_BUILD=build, CLUSTER_USERS="40", CLUSTER_RUNS="1",
               CLUSTER_SENDS_SECONDS="1", CLUSTER_P99_RATE="40", CLUSTER_P99_SECONDS="3")
    run = subprocess.run(["bash", os.path.join(ROOT, "bench", "cluster", "sends.sh")], env=env,
                         capture_output=True, text=True, timeout=100)
    assert run.returncode == 0, run.stdout + run.stderr
    figures = {}
    for line in run.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "BENCH":
            figures[parts[1]] = float(parts[2])
    assert figures.get("cluster.acked_lost") == 0, run.stdout + run.stderr
    for name in ("cluster.sends_per_s.closed_loop", "cluster.sends_per_s.closed_loop_1server",
                 "cluster.sends_per_s.ratio", "cluster.p99_ms.local"):
        assert figures.get(name, 0) > 0, (name, run.stdout, run.stderr)
    # With the server-to-server link the step measures sends across servers too.
    help_text = subprocess.run([irisd_e2e.IRISD, "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--cluster.link_window" in help_text:
        assert figures.get("cluster.p99_ms.cross", 0) > 0, (run.stdout, run.stderr)
    else:
        assert "cluster.p99_ms.cross" not in figures, run.stdout
