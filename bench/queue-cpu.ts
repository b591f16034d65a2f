/**
 * CPU time spent by the bench's own processes and by the servers, so a throughput figure comes
 * with what each job cost in CPU: on a shared 2-core machine the rate moves with other load,
 * the CPU per job much less. Linux only (reads /proc); elsewhere the server side is unknown.
 */
import { readdirSync, readFileSync } from "node:fs";

/** This process's user + system CPU time so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the command name (state is field 0, utime field 11). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * CPU time of process `pid` and its children so far, in ms: its own time, the time of the
 * children it reaped (PostgreSQL's ended backends) and of the children alive now (its
 * backends, Redis's threads are in its own time). Undefined without /proc.
 *
 * Decision: clock ticks are 1/100 s on Linux (USER_HZ is fixed at 100 for this interface), so
 * a cell's server CPU is exact to 10 ms per process; cells run for seconds.
 */
export function processTreeCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const own = statFields(pid);
  if (own === undefined) return undefined;
  let ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(own[i] ?? 0), 0);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields?.[1] === String(pid)) ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}
