#!/usr/bin/env bash
# A single-node SLURM cluster for tests and for trying `relaxomap sweep --executor slurm` on one machine:
# munged with a generated key, slurmctld and slurmd in the foreground under setsid, no systemd, no slurmdbd.
# Debian packages: apt-get install slurm-wlm munge (SLURM 22.05 on Debian 12).
#
#   scripts/slurm-cluster.sh start [DIR]   # start (fresh state), wait until the node is idle, print the env line
#   scripts/slurm-cluster.sh env [DIR]     # print: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-cluster.sh status [DIR]  # sinfo + the daemons' PIDs
#   scripts/slurm-cluster.sh stop [DIR]    # stop every daemon by its own PID, keep DIR (logs) for inspection
#
# DIR defaults to $RELAXOMAP_SLURM_DIR, else /tmp/relaxomap-slurm. Settings (environment):
#   SLURM_TEST_CPUS   CPUs of the node (default: nproc)
#   SLURM_TEST_GPUS   fake GPUs (gres entries backed by /dev/null, /dev/zero, …) so `--gres=gpu:N` is
#                     scheduled for real (0 to 5; default: the CPU count, at most 5)
#   SLURM_TEST_PORTS  "CTLD,SLURMD" ports (default: two free ports)
# Clients (sbatch, squeue, scontrol, sinfo) then need SLURM_CONF=DIR/slurm.conf; jobs run as the user who
# started the cluster (slurmd runs as that user; root runs jobs for any user).
# Job completions (exit codes of finished jobs and array tasks) go to DIR/jobcomp.log (jobcomp/filetxt).
set -euo pipefail

cmd="${1:-}"
DIR="${2:-${RELAXOMAP_SLURM_DIR:-/tmp/relaxomap-slurm}}"
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
CONF="$DIR/slurm.conf"

die() { echo "slurm-cluster: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || die "$1 not found (install: apt-get install slurm-wlm munge)"; }
bin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() { # stop one daemon by the PID file we wrote, wait up to 10 s, then SIGKILL
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop() {
  # Order: jobs' daemons first, then the controller, then munge (both SLURM daemons talk to it).
  stop_pid "$DIR/pids/slurmd"
  stop_pid "$DIR/pids/slurmctld"
  stop_pid "$DIR/pids/munged"
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

start() {
  need munged; need slurmctld; need slurmd; need sinfo
  if alive "$DIR/pids/slurmctld" || alive "$DIR/pids/slurmd" || alive "$DIR/pids/munged"; then
    die "a cluster is already running in $DIR (scripts/slurm-cluster.sh stop $DIR)"
  fi
  rm -rf "$DIR/state" "$DIR/spool" "$DIR/munge" "$DIR/munge-socket" "$DIR/log" "$DIR/pids" "$DIR/jobcomp.log"
  mkdir -p "$DIR" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/pids" "$DIR/munge" "$DIR/munge-socket"
  # munged refuses a key folder others can read and a socket folder others can write.
  chmod 700 "$DIR/munge"
  chmod 755 "$DIR/munge-socket"
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$DIR/munge/munge.key"
  local socket="$DIR/munge-socket/munge.socket.2"
  setsid "$(bin munged)" --foreground --force --key-file="$DIR/munge/munge.key" --socket="$socket" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" \
    >"$DIR/log/munged.out" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/munged"
  for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.05; done
  [ -S "$socket" ] || { cat "$DIR/log/munged.out" "$DIR/log/munged.log" >&2 2>/dev/null || true; stop; die "munged did not start"; }

  local host user cpus gpus mem ports ctld_port slurmd_port
  host="$(hostname -s)"
  user="$(id -un)"
  cpus="${SLURM_TEST_CPUS:-$(nproc)}"
  gpus="${SLURM_TEST_GPUS:-$(( cpus < 5 ? cpus : 5 ))}"
  # 90% of the machine's memory, in MB (RealMemory larger than the node's memory drains the node).
  mem="$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
  if [ -n "${SLURM_TEST_PORTS:-}" ]; then ports="$SLURM_TEST_PORTS"; else
    local a b; a="$(free_port)"; b="$(free_port)"
    while [ "$a" = "$b" ]; do b="$(free_port)"; done
    ports="$a,$b"
  fi
  ctld_port="${ports%,*}"
  slurmd_port="${ports#*,}"
  local gres_node="" gres_types=""
  if [ "$gpus" -gt 0 ]; then
    gres_types="GresTypes=gpu"
    gres_node="Gres=gpu:$gpus"
    # Fake GPUs: harmless device files stand in for /dev/nvidia*, so SLURM schedules --gres=gpu:N for real
    # (with task/none nothing is hidden from the job, and CUDA_VISIBLE_DEVICES is set as on a GPU node).
    local files=(/dev/null /dev/zero /dev/full /dev/random /dev/urandom)
    [ "$gpus" -le 5 ] || die "SLURM_TEST_GPUS: at most 5 fake GPUs"
    echo "NodeName=$host Name=gpu Count=$gpus File=$(IFS=,; echo "${files[*]:0:$gpus}")" > "$DIR/gres.conf"
  else
    : > "$DIR/gres.conf"
  fi
  cat > "$CONF" <<EOF
# Generated by scripts/slurm-cluster.sh: a single-node test cluster, no systemd, no slurmdbd.
ClusterName=relaxomap-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/state/slurmctld.pid
SlurmdPidFile=$DIR/spool/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.log
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
# Schedule pending work (array tasks, jobs whose dependency just cleared) within seconds, not a minute.
SchedulerParameters=sched_interval=2,bf_interval=2,batch_sched_delay=0,sched_min_interval=100000
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
$gres_types
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem $gres_node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$CONF"
  setsid "$(bin slurmctld)" -D -i -f "$CONF" >"$DIR/log/slurmctld.out" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/slurmctld"
  setsid "$(bin slurmd)" -D -N "$host" -f "$CONF" >"$DIR/log/slurmd.out" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/slurmd"
  local state=""
  for _ in $(seq 1 300); do
    state="$(sinfo -h -o %t 2>/dev/null | head -1 || true)"
    [ "$state" = "idle" ] && break
    case "$state" in inval*|drain*|down*) [ -n "$(sinfo -h -o %E 2>/dev/null | grep -v none || true)" ] && break ;; esac
    if ! alive "$DIR/pids/slurmctld" || ! alive "$DIR/pids/slurmd"; then break; fi
    sleep 0.1
  done
  if [ "$state" != "idle" ]; then
    echo "slurm-cluster: the node did not become idle (state '${state:-none}'); logs:" >&2
    tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" "$DIR/log/slurmctld.out" "$DIR/log/slurmd.out" >&2 2>/dev/null || true
    stop
    exit 1
  fi
  echo "export SLURM_CONF=$CONF"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  status)
    for d in munged slurmctld slurmd; do
      if alive "$DIR/pids/$d"; then echo "$d: running (pid $(cat "$DIR/pids/$d"))"; else echo "$d: stopped"; fi
    done
    if alive "$DIR/pids/slurmctld"; then SLURM_CONF="$CONF" sinfo; fi
    ;;
  *) echo "usage: $0 start|stop|env|status [DIR]" >&2; exit 2 ;;
esac
