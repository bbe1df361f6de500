/**
 * Real PostgreSQL, MinIO and MLflow for tests, started once per mocha process on first use
 * and stopped after the last test (also on SIGINT/SIGTERM/exit; a watchdog cleans up when
 * the process is killed outright). Installed by `npm run setup`.
 *
 *   import { getServices } from "../helpers/services";
 *   before(async function () { this.timeout(180_000); svc = await getServices(); });
 *
 * Registered as a mocha root-hook plugin in .mocharc.json (`mochaHooks` below).
 */
import { servicesEnv, startServices, type RunningServices, type Services } from "../../scripts/services";

export type { Services, PostgresSettings } from "../../scripts/services";

let running: Promise<RunningServices> | undefined;

function log(line: string): void {
  if (process.env.DRIFT_LOOP_SERVICES_QUIET !== "1") process.stderr.write(`      [services] ${line}\n`);
}

/** The shared servers; the first call starts them (10-40 s), later calls return at once. */
export async function getServices(): Promise<Services> {
  if (!running) {
    const starting = startServices({ log });
    running = starting;
    starting.then(
      // A server that dies mid-run says so (with its log), instead of leaving only ECONNREFUSED.
      (r) => void r.crashed.then(({ message }) => log(message)),
      // A failed start is reported to every caller, and the next call tries again.
      () => {
        if (running === starting) running = undefined;
      },
    );
  }
  return (await running).services;
}

/** The environment a child process (drifter, model API, drift job) needs to reach the servers. */
export async function getServicesEnv(): Promise<Record<string, string>> {
  return servicesEnv(await getServices());
}

/** Stops the servers if they were started, and removes their data. */
export async function stopServices(): Promise<void> {
  const r = running;
  running = undefined;
  if (!r) return;
  const started = await r.catch(() => undefined);
  if (!started) return;
  await started.stop();
  log("stopped PostgreSQL, MinIO and MLflow and removed their data");
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopServices();
  },
};
