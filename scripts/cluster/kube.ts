// A small Kubernetes REST client for the tests: mutual TLS against the harness API server,
// JSON in and out, and polling helpers. Only what the e2e tests need.
import { readFileSync } from "node:fs";
import https from "node:https";

export interface KubeCredentials {
  server: string; // https://127.0.0.1:PORT
  ca: string; // PEM file paths
  cert: string;
  key: string;
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${method} ${path} -> HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

// Loose shape of a Kubernetes object: enough for tests to read fields.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

export class KubeClient {
  private readonly agent: https.Agent;

  constructor(readonly creds: KubeCredentials) {
    this.agent = new https.Agent({
      ca: readFileSync(creds.ca),
      cert: readFileSync(creds.cert),
      key: readFileSync(creds.key),
      keepAlive: true,
    });
  }

  /** Raw request; resolves with status and body text. */
  raw(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; text: string }> {
    const url = new URL(path, this.creds.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Accept: "application/json",
            ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}),
          },
          timeout: 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /**
   * Open a watch and collect its events until `until` returns true for one (or the server
   * ends the stream); the connection is closed then. Each event is `{ type, object }`.
   */
  watchUntil(path: string, until: (event: KubeObject) => boolean, timeoutMs = 30_000): Promise<KubeObject[]> {
    const url = new URL(path, this.creds.server);
    return new Promise((resolve, reject) => {
      const events: KubeObject[] = [];
      let buf = "";
      const req = https.request(url, { method: "GET", agent: this.agent, headers: { Accept: "application/json" } }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          res.resume();
          reject(new KubeError(res.statusCode ?? 0, "GET", path, ""));
          return;
        }
        res.on("data", (c: Buffer) => {
          buf += c.toString("utf8");
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            const event = JSON.parse(line) as KubeObject;
            events.push(event);
            if (until(event)) {
              clearTimeout(timer);
              req.destroy();
              resolve(events);
              return;
            }
          }
        });
        res.on("end", () => {
          clearTimeout(timer);
          resolve(events);
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`watch ${path}: no matching event in ${timeoutMs} ms (got ${JSON.stringify(events).slice(0, 500)})`)), timeoutMs);
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }

  async request<T = KubeObject>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const { status, text } = await this.raw(method, path, body, contentType);
    if (status < 200 || status >= 300) throw new KubeError(status, method, path, text);
    return JSON.parse(text) as T;
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** GET that returns undefined on 404 instead of throwing. */
  async find<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof KubeError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * The items of a list, each with its apiVersion and kind: the API server leaves them out of
   * list items, and readiness() keys on kind (an item without one read as "no readiness notion").
   */
  async list(path: string): Promise<KubeObject[]> {
    const res = await this.get<{ apiVersion: string; kind: string; items: KubeObject[] }>(path);
    const kind = res.kind.replace(/List$/, "");
    return res.items.map((item) => ({ apiVersion: res.apiVersion, kind, ...item }));
  }

  create(path: string, body: KubeObject): Promise<KubeObject> {
    return this.request("POST", path, body);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Poll `probe` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The status of a condition of `type` on an object, e.g. conditionStatus(node, "Ready"). */
export function conditionStatus(obj: KubeObject, type: string): string | undefined {
  const conds = (obj.status?.conditions ?? []) as Array<{ type: string; status: string }>;
  return conds.find((c) => c.type === type)?.status;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Maps apiVersion + kind to REST paths, from the API server's discovery documents. */
export class ResourcePaths {
  private readonly cache = new Map<string, ApiResource[]>();

  constructor(private readonly client: KubeClient) {}

  private async resources(apiVersion: string): Promise<ApiResource[]> {
    let list = this.cache.get(apiVersion);
    if (!list) {
      const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const doc = await this.client.get<{ resources: ApiResource[] }>(base);
      list = doc.resources.filter((r) => !r.name.includes("/"));
      this.cache.set(apiVersion, list);
    }
    return list;
  }

  /** REST path of one object, e.g. ("apps/v1", "Deployment", "ns", "web"). */
  async objectPath(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<string> {
    const res = (await this.resources(apiVersion)).find((r) => r.kind === kind);
    if (!res) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = res.namespaced ? `/namespaces/${namespace ?? "default"}` : "";
    return `${base}${ns}/${res.name}/${name}`;
  }
}

/**
 * Whether a workload object has converged the way `kubectl rollout status` and Pulumi's
 * await logic see it; undefined for kinds without a readiness notion (ConfigMap, Secret...).
 */
export function readiness(obj: KubeObject): { ready: boolean; why: string } | undefined {
  const s = obj.status ?? {};
  switch (obj.kind) {
    case "Deployment": {
      const want = obj.spec?.replicas ?? 1;
      const ok = s.observedGeneration >= obj.metadata.generation && s.updatedReplicas === want && s.availableReplicas === want;
      return { ready: ok, why: `available ${s.availableReplicas ?? 0}/${want}, updated ${s.updatedReplicas ?? 0}` };
    }
    case "StatefulSet": {
      const want = obj.spec?.replicas ?? 1;
      return { ready: s.readyReplicas === want && s.currentRevision === s.updateRevision, why: `ready ${s.readyReplicas ?? 0}/${want}` };
    }
    case "Job":
      return { ready: conditionStatus(obj, "Complete") === "True", why: `conditions ${JSON.stringify(s.conditions ?? [])}` };
    case "PersistentVolumeClaim":
      return { ready: s.phase === "Bound", why: `phase ${s.phase}` };
    case "Pod":
      return { ready: conditionStatus(obj, "Ready") === "True", why: `phase ${s.phase}` };
    case "Namespace":
      return { ready: s.phase === "Active", why: `phase ${s.phase}` };
    default:
      return undefined;
  }
}
