/**
 * A local stand-in for the one GitHub REST endpoint drift-loop calls, which no machine
 * here can reach: `POST /repos/{owner}/{repo}/dispatches` (repository_dispatch). It checks
 * the request the way GitHub documents it and answers like GitHub:
 * - `Authorization: Bearer <token>` or `token <token>` with the expected token, else 401
 *   `{"message":"Bad credentials"}`;
 * - a `User-Agent` header, else 403 (GitHub rejects requests without one);
 * - a JSON body with `event_type` (string, 1..100 characters) and optional
 *   `client_payload` (an object with at most 10 top-level keys), else 422
 *   `{"message":"Validation Failed"}`;
 * - an unknown repository (not `owner/repo` as configured) gives 404 `{"message":"Not Found"}`;
 * - success is `204 No Content`.
 * Every accepted dispatch is recorded; `failNext` makes the next requests answer 5xx
 * (GitHub having a bad minute) to test retries.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedDispatch {
  owner: string;
  repo: string;
  event_type: string;
  client_payload: Record<string, unknown> | undefined;
  headers: IncomingMessage["headers"];
  at: number;
}

export interface GithubReceiver {
  /** Base URL to use as GITHUB_API_URL (no trailing slash). */
  url: string;
  /** Accepted dispatches, in order. */
  dispatches: ReceivedDispatch[];
  /** Every request with the status it got (accepted or not). */
  requests: { method: string; path: string; status: number; message?: string }[];
  /** Answer the next `n` requests with `status` (default 502) instead of handling them. */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  token: string;
  /** "owner/repo" that exists; others get 404. */
  repository: string;
  /** Address to listen on (default 127.0.0.1; the real-node e2e uses the node IP, which pods reach). */
  host?: string;
}

export async function startGithubReceiver(opts: ReceiverOptions): Promise<GithubReceiver> {
  const dispatches: ReceivedDispatch[] = [];
  const requests: GithubReceiver["requests"] = [];
  let failures = 0;
  let failStatus = 502;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0];
      const answer = (status: number, body?: unknown) => {
        requests.push({ method: req.method ?? "", path, status, message: (body as { message?: string } | undefined)?.message });
        if (body === undefined) {
          res.writeHead(status);
          res.end();
        } else {
          const text = JSON.stringify(body);
          res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
          res.end(text);
        }
      };
      if (failures > 0) {
        failures--;
        return answer(failStatus, { message: "Server Error (injected by the test receiver)" });
      }
      const m = /^\/repos\/([^/]+)\/([^/]+)\/dispatches$/.exec(path);
      if (!m || req.method !== "POST") return answer(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
      if (!req.headers["user-agent"]) return answer(403, { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header" });
      const auth = req.headers.authorization ?? "";
      const am = /^(?:Bearer|token) (.+)$/i.exec(auth);
      if (!am || am[1] !== opts.token) return answer(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
      const [owner, repo] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      if (`${owner}/${repo}` !== opts.repository) return answer(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event" });
      if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return answer(415, { message: "Unsupported 'Content-Type'" });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(400, { message: "Problems parsing JSON" });
      }
      const invalid = (why: string) => answer(422, { message: "Validation Failed", errors: [why], documentation_url: "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event" });
      if (typeof body !== "object" || body === null || Array.isArray(body)) return invalid("body must be an object");
      const b = body as Record<string, unknown>;
      const allowed = new Set(["event_type", "client_payload"]);
      const extra = Object.keys(b).filter((k) => !allowed.has(k));
      if (extra.length) return invalid(`unexpected keys: ${extra.join(", ")}`);
      if (typeof b.event_type !== "string" || b.event_type.length < 1 || b.event_type.length > 100) return invalid("event_type must be a string of 1 to 100 characters");
      if (b.client_payload !== undefined) {
        if (typeof b.client_payload !== "object" || b.client_payload === null || Array.isArray(b.client_payload)) return invalid("client_payload must be an object");
        if (Object.keys(b.client_payload).length > 10) return invalid("client_payload: no more than 10 top-level properties are allowed");
      }
      dispatches.push({ owner, repo, event_type: b.event_type, client_payload: b.client_payload as Record<string, unknown> | undefined, headers: req.headers, at: Date.now() });
      answer(204);
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    dispatches,
    requests,
    failNext(n, status = 502) {
      failures = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
