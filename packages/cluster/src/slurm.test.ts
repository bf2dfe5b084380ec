/** Parsers on output captured from SLURM 22.05 (Debian's slurm-wlm, the single-node test cluster). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJobCompLog, parseScontrolJobs, parseSqueue } from './slurm.js';

const FAILED_TASK = 'JobId=6 ArrayJobId=6 ArrayTaskId=4 ArrayTaskThrottle=2 JobName=relaxomap-grid-points UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901757 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=1:0 RunTime=00:00:03 TimeLimit=00:20:00 TimeMin=N/A SubmitTime=2026-11-25T23:44:26 EligibleTime=2026-11-25T23:44:27 AccrueTime=Unknown StartTime=2026-11-25T23:44:27 EndTime=2026-11-25T23:44:30 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-25T23:44:27 Scheduler=Backfill Partition=debug AllocNode:Sid=localhost:7785 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,mem=1G,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=1G MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=/ws/.relaxomap/slurm/grid/x/job-points.sh WorkDir=/ws/.relaxomap/slurm/grid/x StdErr=/ws/.relaxomap/slurm/grid/x/logs/points-6_4.out StdIn=/dev/null StdOut=/ws/.relaxomap/slurm/grid/x/logs/points-6_4.out Power= TresPerNode=gres:gpu:1';
// The same fields for a task SLURM stopped at its time limit (SIGTERM → state TIMEOUT, signal 15).
const TIMEOUT_TASK = 'JobId=21 ArrayJobId=20 ArrayTaskId=1 JobName=relaxomap-grid-points JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 RunTime=00:01:02 TimeLimit=00:01:00 StdOut=/ws/logs/points-20_1.out';
const PLAIN_JOB = 'JobId=5 JobName=relaxomap-grid-shared JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:04 TimeLimit=00:20:00 StdOut=/ws/logs/shared-5.out';

test('scontrol -o show job: state, exit code, signal, log of array tasks and plain jobs', () => {
  const [failed, timeout, plain] = parseScontrolJobs([FAILED_TASK, TIMEOUT_TASK, PLAIN_JOB, ''].join('\n'));
  assert.deepEqual(
    { id: failed!.id, state: failed!.state, exitCode: failed!.exitCode, signal: failed!.signal, stdout: failed!.stdout, reason: failed!.reason, task: failed!.arrayTaskId },
    { id: '6_4', state: 'FAILED', exitCode: 1, signal: 0, stdout: '/ws/.relaxomap/slurm/grid/x/logs/points-6_4.out', reason: 'NonZeroExitCode', task: 4 },
  );
  assert.equal(timeout!.id, '20_1', 'an array task is named by its array job, not its own job id');
  assert.equal(timeout!.state, 'TIMEOUT');
  assert.equal(timeout!.signal, 15);
  assert.equal(timeout!.timeLimit, '00:01:00');
  assert.equal(plain!.id, '5');
  assert.equal(plain!.arrayTaskId, undefined);
  assert.equal(plain!.exitCode, 0);
});

test('jobcomp/filetxt lines: array tasks found by ArrayJobId_ArrayTaskId', () => {
  const log = [
    'JobId=9 UserId=root(0) GroupId=root(0) Name=relaxomap-grid-points JobState=CANCELLED Partition=debug TimeLimit=20 StartTime=2026-11-25T23:45:34 EndTime=2026-11-25T23:45:38 NodeList=vm NodeCnt=1 ProcCnt=1 WorkDir=/ws ReservationName= Tres=cpu=1,mem=1G,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-25T23:45:33 EligibleTime=2026-11-25T23:45:34 ArrayJobId=9 ArrayTaskId=5 DerivedExitCode=0:0 ExitCode=0:0 ',
    'JobId=4 UserId=root(0) GroupId=root(0) Name=t JobState=FAILED Partition=debug TimeLimit=5 StartTime=2026-11-25T23:34:58 EndTime=2026-11-25T23:34:59 NodeList=vm NodeCnt=1 ProcCnt=1 WorkDir=/tmp ReservationName= Tres=cpu=1,mem=100M,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-25T23:34:53 EligibleTime=2026-11-25T23:34:54 ArrayJobId=1 ArrayTaskId=2 DerivedExitCode=0:0 ExitCode=3:0 ',
    'JobId=12 UserId=root(0) GroupId=root(0) Name=s JobState=COMPLETED Partition=debug TimeLimit=5 ExitCode=0:0 ',
  ].join('\n');
  const records = parseJobCompLog(log);
  assert.deepEqual(records.map((r) => [r.id, r.state, r.exitCode]), [['9_5', 'CANCELLED', 0], ['1_2', 'FAILED', 3], ['12', 'COMPLETED', 0]]);
  assert.equal(records[1]!.jobId, '4', "the task's own job id is kept");
});

test('squeue -r: one line per array task with its state and reason', () => {
  const rows = parseSqueue('11_0|PENDING|Dependency\n11_1|RUNNING|None\n10|COMPLETING|None\n');
  assert.deepEqual(rows.map((r) => [r.id, r.arrayJobId, r.arrayTaskId, r.state, r.reason]), [
    ['11_0', '11', 0, 'PENDING', 'Dependency'], ['11_1', '11', 1, 'RUNNING', 'None'], ['10', undefined, undefined, 'COMPLETING', 'None'],
  ]);
});
