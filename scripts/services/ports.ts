import { createServer, type Server } from "node:net";

/**
 * `n` distinct free TCP ports on 127.0.0.1, found by letting the kernel pick (port 0).
 * All sockets are held open until every port is known, so the ports differ.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
      const addr = s.address();
      if (!addr || typeof addr === "string") throw new Error("could not read the port of a loopback socket");
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** One free TCP port on 127.0.0.1 (for a server a test or benchmark starts). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
