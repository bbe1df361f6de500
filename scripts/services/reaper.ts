/**
 * A detached watchdog per run: when the process that started the servers dies in any way
 * (including SIGKILL, where no exit handler runs), it stops every server group listed in
 * `<runDir>/pgids` and removes the run's data directory.
 */
import { spawn } from "node:child_process";

const SCRIPT = `
parent="$1"; dir="$2"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
groups() { cat "$dir/pgids" 2>/dev/null; }
alive() { for g in $(groups); do kill -0 -- "-$g" 2>/dev/null && return 0; done; return 1; }
for g in $(groups); do kill -TERM -- "-$g" 2>/dev/null; done
i=0; while alive && [ $i -lt 20 ]; do sleep 0.25; i=$((i+1)); done
for g in $(groups); do kill -KILL -- "-$g" 2>/dev/null; done
i=0; while alive && [ $i -lt 20 ]; do sleep 0.25; i=$((i+1)); done
rm -rf -- "$dir"
`;

/** Starts the watchdog; returns its pid (kill it after a clean stop). */
export function startReaper(runDir: string, parentPid = process.pid): number {
  const child = spawn("bash", ["-c", SCRIPT, "drift-loop-reaper", String(parentPid), runDir], { detached: true, stdio: "ignore" });
  child.unref();
  return child.pid ?? -1;
}
