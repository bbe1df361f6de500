// Throw-away PKI for the e2e cluster: one CA, serving certificates for etcd and the API
// server, client certificates for every component, and the service-account key pair.
// Made with the openssl CLI (Node's crypto cannot issue X.509 certificates).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  etcdServer: CertPair;
  apiserverEtcdClient: CertPair;
  apiserver: CertPair;
  admin: CertPair;
  controllerManager: CertPair;
  scheduler: CertPair;
  kwok: CertPair;
  /** The API server's client certificate towards kubelets (logs, exec, port-forward). */
  apiserverKubeletClient: CertPair;
  /** Node agents of the real node: the kubelet (Node authorizer identity), kube-proxy, kube-router. */
  kubelet: CertPair;
  kubeletServing: CertPair;
  kubeProxy: CertPair;
  kubeRouter: CertPair;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** A local cluster (npm run cluster) may stay up for weeks; the CA and its certificates last a year. */
const VALID_DAYS = 365;

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function issue(
  dir: string,
  name: string,
  subject: string,
  usage: "server" | "client",
  sans: string[] = [],
): CertPair {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.crt`);
  const ext = path.join(dir, `${name}.ext`);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], dir);
  openssl(["req", "-new", "-key", key, "-out", csr, "-subj", subject], dir);
  const lines = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${usage === "server" ? "serverAuth,clientAuth" : "clientAuth"}`,
  ];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(",")}`);
  writeFileSync(ext, lines.join("\n") + "\n");
  openssl(
    ["x509", "-req", "-in", csr, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", cert, "-days", String(VALID_DAYS), "-sha256", "-extfile", ext],
    dir,
  );
  return { cert, key };
}

/** A CA (`ca.crt`, `ca.key`) in `dir`, which issue() signs with. */
function createCa(dir: string, subject: string): CertPair {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], dir);
  openssl(
    ["req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", String(VALID_DAYS), "-sha256",
      "-subj", subject,
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"],
    dir,
  );
  return { cert: path.join(dir, "ca.crt"), key: path.join(dir, "ca.key") };
}

/**
 * A CA of its own and one serving certificate it signed, for `sans` (e.g. IP:10.250.0.1):
 * the TLS of a service the platform reaches as an external one (a managed Postgres's).
 */
export function createServerPki(dir: string, name: string, sans: string[]): { ca: CertPair; server: CertPair } {
  const ca = createCa(dir, `/CN=${name}-ca`);
  return { ca, server: issue(dir, name, `/CN=${name}`, "server", sans) };
}

/** Create every key and certificate the cluster needs under `dir`. `nodeName`/`nodeIp`: the real node's (its certificates carry them). */
export function createPki(dir: string, node: { name: string; ip: string } = { name: "drift-loop-node", ip: "127.0.0.1" }): Pki {
  createCa(dir, "/CN=drift-loop-e2e-ca");
  const loopback = ["IP:127.0.0.1", "DNS:localhost"];
  const apiserverNames = [
    ...loopback,
    ...(node.ip !== "127.0.0.1" ? [`IP:${node.ip}`] : []),
    "IP:10.96.0.1",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"], dir);
  openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  return {
    dir,
    ca: { cert: path.join(dir, "ca.crt"), key: path.join(dir, "ca.key") },
    etcdServer: issue(dir, "etcd-server", "/CN=etcd-server", "server", loopback),
    apiserverEtcdClient: issue(dir, "apiserver-etcd-client", "/CN=kube-apiserver-etcd-client", "client"),
    apiserver: issue(dir, "apiserver", "/CN=kube-apiserver", "server", apiserverNames),
    admin: issue(dir, "admin", "/O=system:masters/CN=drift-loop-e2e-admin", "client"),
    controllerManager: issue(dir, "controller-manager", "/CN=system:kube-controller-manager", "client"),
    scheduler: issue(dir, "scheduler", "/CN=system:kube-scheduler", "client"),
    kwok: issue(dir, "kwok", "/O=system:masters/CN=kwok-controller", "client"),
    apiserverKubeletClient: issue(dir, "apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", "client"),
    kubelet: issue(dir, "kubelet", `/O=system:nodes/CN=system:node:${node.name}`, "client"),
    kubeletServing: issue(dir, "kubelet-serving", `/O=system:nodes/CN=system:node:${node.name}`, "server", [`IP:${node.ip}`, `DNS:${node.name}`]),
    // The default ClusterRoleBinding system:node-proxier binds this user.
    kubeProxy: issue(dir, "kube-proxy", "/CN=system:kube-proxy", "client"),
    kubeRouter: issue(dir, "kube-router", "/CN=system:kube-router", "client"),
    serviceAccountKey: path.join(dir, "sa.key"),
    serviceAccountPub: path.join(dir, "sa.pub"),
  };
}
