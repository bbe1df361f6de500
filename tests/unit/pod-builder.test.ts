/**
 * PodBuilder: one hardened pod template, as the spec of each workload kind. The rendered
 * program's pods are checked in infra-security.test.ts; these check the builder's own rules
 * (what goes where, in which order) on plain values.
 */
import { strict as assert } from "node:assert";
import { NODE_UID, PodBuilder, httpProbes, scratch, type PodArgs } from "../../components/shared/pod";

const base: PodArgs = {
  labels: { app: "x", "drift-loop.dev/s3-client": "true" },
  serviceAccountName: "x-sa",
  uid: NODE_UID,
  container: { name: "x", image: "drift-loop/x:1", command: ["node", "x.js"], env: [{ name: "A", value: "1" }] },
  volumes: [scratch("run", "/run", "16Mi"), scratch("tmp", "/tmp")],
};

describe("PodBuilder", () => {
  it("hardens every pod the same way: own ServiceAccount without a token, no Service links, non-root, read-only root, nothing added", () => {
    const t = new PodBuilder(base).template() as any;
    assert.deepEqual(t.metadata, { labels: base.labels });
    assert.equal(t.spec.serviceAccountName, "x-sa");
    assert.equal(t.spec.automountServiceAccountToken, false);
    assert.equal(t.spec.enableServiceLinks, false);
    assert.deepEqual(t.spec.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
    const [c] = t.spec.containers;
    assert.equal(t.spec.containers.length, 1);
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(c.env, [{ name: "A", value: "1" }]);
    assert.equal(c.livenessProbe, undefined, "no probes unless given");
    assert.equal(t.spec.restartPolicy, undefined);
    assert.equal(t.spec.terminationGracePeriodSeconds, undefined);
  });

  it("mounts the volumes in the order given, and declares each once", () => {
    const t = new PodBuilder(base).template() as any;
    assert.deepEqual(t.spec.containers[0].volumeMounts, [{ name: "run", mountPath: "/run" }, { name: "tmp", mountPath: "/tmp" }]);
    assert.deepEqual(t.spec.volumes, [{ name: "run", emptyDir: { sizeLimit: "16Mi" } }, { name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
  });

  it("hardens init containers like the main one, mounts the same volumes in them, and adds none unless given", () => {
    assert.equal((new PodBuilder(base).template() as any).spec.initContainers, undefined);
    const t = new PodBuilder({ ...base, initContainers: [{ name: "first", image: "other:1", command: ["true"], securityContext: { privileged: true } } as any] }).template() as any;
    const [i] = t.spec.initContainers;
    assert.equal(t.spec.initContainers.length, 1);
    assert.equal(i.image, "other:1");
    assert.deepEqual(i.securityContext, t.spec.containers[0].securityContext, "the builder's context replaces anything given");
    assert.deepEqual(i.volumeMounts, t.spec.containers[0].volumeMounts);
  });

  it("sets probes, annotations, fsGroup and the grace period when given", () => {
    const t = new PodBuilder({ ...base, probes: httpProbes(8080), annotations: { h: "1" }, fsGroup: 999, terminationGracePeriodSeconds: 45 }).template() as any;
    const c = t.spec.containers[0];
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.startupProbe.httpGet.port, 8080);
    assert.deepEqual(t.metadata.annotations, { h: "1" });
    assert.equal(t.spec.securityContext.fsGroup, 999);
    assert.equal(t.spec.securityContext.fsGroupChangePolicy, "OnRootMismatch");
    assert.equal(t.spec.terminationGracePeriodSeconds, 45);
  });

  it("as a Deployment: selector, replicas, and a surge strategy only when asked", () => {
    const pod = new PodBuilder(base);
    const plain = pod.asDeploymentSpec({ selector: { app: "x" }, replicas: 2 }) as any;
    assert.deepEqual(plain.selector, { matchLabels: { app: "x" } });
    assert.equal(plain.replicas, 2);
    assert.equal(plain.strategy, undefined);
    const surge = pod.asDeploymentSpec({ selector: { app: "x" }, replicas: 2, surge: true }) as any;
    assert.deepEqual(surge.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  it("as a StatefulSet: one replica, the data claim mounted first and not declared as a pod volume", () => {
    const s = new PodBuilder(base).asStatefulSetSpec({ serviceName: "x-svc", selector: { app: "x" }, data: { mountPath: "/data", storageSize: "5Gi", labels: { app: "x" } } }) as any;
    assert.equal(s.replicas, 1);
    assert.equal(s.serviceName, "x-svc");
    assert.deepEqual(s.template.spec.containers[0].volumeMounts.map((m: any) => m.name), ["data", "run", "tmp"]);
    assert.deepEqual(s.template.spec.volumes.map((v: any) => v.name), ["run", "tmp"]);
    assert.deepEqual(s.volumeClaimTemplates, [{ metadata: { name: "data", labels: { app: "x" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } } }]);
    const classed = new PodBuilder(base).asStatefulSetSpec({ serviceName: "x-svc", selector: {}, data: { mountPath: "/data", storageSize: "5Gi", storageClass: "fast", labels: {} } }) as any;
    assert.equal(classed.volumeClaimTemplates[0].spec.storageClassName, "fast");
  });

  it("as a Job and a CronJob: the restart policy in the pod, the rest on the Job, the schedule on the CronJob", () => {
    const pod = new PodBuilder(base);
    const job = pod.asJobSpec({ restartPolicy: "OnFailure", backoffLimit: 6, activeDeadlineSeconds: 600 }) as any;
    assert.equal(job.template.spec.restartPolicy, "OnFailure");
    assert.equal(job.restartPolicy, undefined);
    assert.equal(job.backoffLimit, 6);
    assert.equal(job.activeDeadlineSeconds, 600);
    const cron = pod.asCronJobSpec({ cron: { schedule: "0 * * * *", concurrencyPolicy: "Forbid" }, jobLabels: { app: "x" }, job: { restartPolicy: "Never", backoffLimit: 1 } }) as any;
    assert.equal(cron.schedule, "0 * * * *");
    assert.equal(cron.concurrencyPolicy, "Forbid");
    assert.deepEqual(cron.jobTemplate.metadata, { labels: { app: "x" } });
    assert.equal(cron.jobTemplate.spec.backoffLimit, 1);
    assert.equal(cron.jobTemplate.spec.template.spec.restartPolicy, "Never");
    assert.deepEqual(cron.jobTemplate.spec.template.metadata.labels, base.labels);
  });
});
