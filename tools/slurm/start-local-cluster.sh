#!/usr/bin/env bash
# Installs (Debian: slurm-wlm, munge) and starts a single-node Slurm cluster on localhost, without cgroups or
# accounting storage, for the Slurm launcher's tests. Needs root. Idempotent: a running cluster is left alone.
# Prints one line: "slurm: ready in N s" (exit 0), "slurm: cannot install here: <reason>" where the packages cannot be
# installed on this machine (not root, no apt-get; exit 2: tests skip), or "slurm: unavailable: <reason>" (exit 1: tests fail).
set -uo pipefail
started=$(date +%s)
say_unavailable() { echo "slurm: unavailable: $*"; exit 1; }
say_cannot_install() { echo "slurm: cannot install here: $*"; exit 2; }
cluster_ready() { sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated|completing)'; }
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || say_cannot_install "not root (installing slurm-wlm and munge and running their daemons needs root)"
  command -v apt-get >/dev/null || say_cannot_install "no apt-get to install slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || say_unavailable "apt-get update failed"
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 || say_unavailable "apt-get install slurm-wlm munge failed"
fi
installed=$(date +%s)
if scontrol ping 2>/dev/null | grep -q UP && cluster_ready; then
  echo "slurm: ready in 0 s (already running)"; exit 0
fi
[ "$(id -u)" = 0 ] || say_cannot_install "not root (the cluster's daemons need root)"
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null
chmod 0400 /etc/munge/munge.key
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=lorapipeline
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --force 2>/dev/null || /usr/sbin/munged --force || say_unavailable "munged did not start"
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld || say_unavailable "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd || say_unavailable "slurmd did not start (see /var/log/slurm/slurmd.log)"
for i in $(seq 1 60); do
  # A node left down or drained by an earlier run of the daemons comes back.
  if [ "$i" = 5 ]; then scontrol update nodename="$host" state=resume >/dev/null 2>&1; fi
  if cluster_ready; then
    now=$(date +%s)
    echo "slurm: ready in $((now - started)) s (install $((installed - started)) s, daemons $((now - installed)) s)"
    exit 0
  fi
  sleep 1
done
say_unavailable "the node did not become idle in 60 s: $(sinfo -h -o '%T %E' 2>&1 | head -1)"
