// The toolchain binaries themselves: the versions they report, and that the plugins start
// the way the Pulumi CLI starts them (a gRPC server whose port is the first stdout line).
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";

import { REAL_CLUSTER_COMPONENTS, builtVersion, ensureToolchain, markerText, toolchain, toolchainPath } from "../../scripts/cluster/toolchain";

/** Start a plugin as the CLI does and resolve with the port it announces on stdout. */
function announcedPort(bin: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, PATH: toolchainPath() }, cwd: toolchain.bin });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${bin} announced no port in 20 s; stdout=${out} stderr=${err}`));
    }, 20_000);
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n")) {
        clearTimeout(timer);
        child.kill("SIGTERM");
        const port = Number(line.trim());
        if (Number.isInteger(port) && port > 0) resolve(port);
        else reject(new Error(`${bin} printed '${line}' instead of a port`));
      }
    });
    child.on("error", reject);
  });
}

describe("e2e toolchain (scripts/e2e/build-toolchain.sh)", function () {
  before(function () {
    this.timeout(0); // cold builds take a long time
    ensureToolchain(["etcd", "kwok", "kubernetes", "pulumi", "language-nodejs", "provider-kubernetes", "provider-random", ...REAL_CLUSTER_COMPONENTS]);
  });

  it("builds the Pulumi CLI that matches @pulumi/pulumi 3.248.0", () => {
    const out = execFileSync(toolchain.tool("pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    assert.equal(out.trim(), "v3.248.0");
  });

  it("builds kube-apiserver, kube-controller-manager and kube-scheduler reporting Kubernetes v1.34.4", () => {
    for (const bin of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
      const out = execFileSync(toolchain.tool(bin), ["--version"], { encoding: "utf8" });
      assert.equal(out.trim(), "Kubernetes v1.34.4", bin);
    }
  });

  it("builds etcd 3.6 (watch progress requests, which kube-apiserver 1.34's streaming lists need)", () => {
    assert.match(execFileSync(toolchain.tool("etcd"), ["--version"], { encoding: "utf8" }), /^etcd Version: 3\.6\.16$/m);
  });

  it("builds kwok v0.7.0 with its node and pod stages", () => {
    assert.match(execFileSync(toolchain.tool("kwok"), ["--version"], { encoding: "utf8" }), /^kwok version v0\.7\.0 /);
    assert.equal(builtVersion("kwok"), "0.7.0-stages");
  });

  it("builds the real node's parts at their pins: kubelet, kube-proxy, kubectl, runc with seccomp, CoreDNS, kube-router, pause", () => {
    // stdout and stderr (kube-router prints its version on stderr)
    const version = (tool: string, ...args: string[]) => {
      const r = spawnSync(toolchain.tool(tool), args, { encoding: "utf8" });
      return `${r.stdout}${r.stderr}`;
    };
    assert.match(version("kubelet", "--version"), /^Kubernetes v1\.34\.4$/m);
    assert.match(version("kube-proxy", "--version"), /^Kubernetes v1\.34\.4$/m);
    assert.match(version("kubectl", "version", "--client"), /^Client Version: v1\.34\.4$/m);
    const runc = version("runc", "--version");
    assert.match(runc, /^runc version 1\.5\.3$/m);
    assert.match(runc, /^libseccomp: \d/m, "built with seccomp (pods ask for RuntimeDefault)");
    assert.match(version("coredns", "-version"), /^CoreDNS-1\.14\.7$/m);
    assert.match(version("kube-router", "--version"), /version v2\.1\.0,/);
    assert.match(version("pause", "-v"), /^pause\.c v1\.34\.4-drift-loop$/m);
    assert.match(markerText("coredns"), /^source=github\.com\/coredns\/coredns@v1\.14\.7 /m);
  });

  it("builds the monitoring parts at their pins: Prometheus 3.5.0, the Prometheus Operator and its config reloader v0.85.0, the Pushgateway v1.11.5", () => {
    const version = (tool: string) => {
      const r = spawnSync(toolchain.tool(tool), ["--version"], { encoding: "utf8" });
      return `${r.stdout}${r.stderr}`;
    };
    assert.match(version("prometheus"), /^prometheus, version 3\.5\.0 /m);
    assert.match(version("operator"), /^prometheus-operator, version 0\.85\.0 /m);
    assert.match(version("prometheus-config-reloader"), /version 0\.85\.0 /m);
    assert.match(version("pushgateway"), /^pushgateway, version 1\.11\.5 /m);
    assert.match(markerText("prometheus-operator"), /^source=github\.com\/prometheus-operator\/prometheus-operator@v0\.85\.0 /m);
  });

  it("starts the kubernetes resource provider the way the CLI does", async () => {
    const port = await announcedPort(toolchain.tool("pulumi-resource-kubernetes"), []);
    assert.ok(port > 0);
  });

  it("starts the random resource provider the way the CLI does", async () => {
    const port = await announcedPort(toolchain.tool("pulumi-resource-random"), []);
    assert.ok(port > 0);
  });

  it("records the upstream commits of the third-party sources in the markers", () => {
    assert.equal(builtVersion("language-nodejs"), "3.248.0-a88168d865b7");
    assert.equal(builtVersion("provider-random"), "4.21.2-f64d8726");
    assert.match(markerText("language-nodejs"), /^source=github\.com\/pulumi\/pulumi .*@a88168d865b7 /m);
    assert.match(markerText("provider-random"), /^source=github\.com\/pulumi\/pulumi-random .*@f64d8726 /m);
  });

  it("starts the Node.js language host v3.248.0 the way the CLI does", async () => {
    // The host's only positional argument is the engine's address; it is dialled lazily.
    const port = await announcedPort(toolchain.tool("pulumi-language-nodejs"), ["127.0.0.1:1"]);
    assert.ok(port > 0);
  });
});
