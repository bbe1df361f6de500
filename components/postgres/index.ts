import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PORTS } from "../../lib/contract";
import type { PartArgs } from "../shared/args";
import { appLabels } from "../shared/labels";
import { allowIngress } from "../shared/network";
import { PodBuilder, scratch, serviceAccount, secretEnv, serviceHost } from "../shared/pod";
import { resourcesFor } from "../shared/resources";

/** Keys of the Postgres Secret (the MLflow component reads the same keys). */
export const POSTGRES_SECRET_KEYS = { user: "username", password: "password", database: "database" } as const;

/** How MLflow (and the backup) reach a Postgres: this component's, or an external one (components/external-postgres). */
export interface PostgresConnection {
  host: pulumi.Output<string>;
  port: number;
  database: string;
  user: string;
  /** The Secret with user, password and database (keys: POSTGRES_SECRET_KEYS). */
  secretName: pulumi.Output<string>;
  /** TLS of the connection (libpq sslmode, and the ConfigMap with the CA for the verify modes); unset = libpq's default, the in-cluster server has no TLS. */
  tls?: { sslMode: string; caConfigMap?: pulumi.Output<string> };
  /**
   * Hash of the password, when a new one should roll MLflow (it reads PGPASSWORD at start):
   * an external database's, changed at the provider first. Unset for the in-cluster one, whose
   * server keeps the password of its first start (rotation: docs/operations.md).
   */
  hash?: pulumi.Output<string>;
}

/** The official image runs postgres as uid/gid 999. */
const POSTGRES_UID = 999;

/** Arguments of the Postgres component (namespace, pull policy, size: PartArgs). */
export interface PostgresArgs extends PartArgs {
  /** Pinned Postgres image (official, Debian based). */
  image: pulumi.Input<string>;
  /** StorageClass of the data volume; "" = cluster default. */
  storageClass: string;
  /** Size of the data volume, e.g. 2Gi. */
  storageSize: pulumi.Input<string>;
  /** Database and user name (a Postgres identifier). Defaults to `mlflow`. */
  database?: string;
}

/**
 * Postgres, the MLflow backend store: a StatefulSet with a PVC, a headless Service, and a
 * random password in a Secret. Only pods labelled as Postgres clients may connect.
 */
export class Postgres extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly secret: k8s.core.v1.Secret;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** Labels of the server's pods (a client's egress policy selects them). */
  public readonly podLabels: Record<string, string>;
  /** `<svc>.<ns>.svc.cluster.local`. */
  public readonly host: pulumi.Output<string>;
  public readonly port: number = PORTS.postgres;
  public readonly database: string;
  public readonly user: string;
  /** The generated password (secret output). */
  public readonly password: pulumi.Output<string>;
  /** Name of the Secret holding user, password and database (keys: POSTGRES_SECRET_KEYS). */
  public readonly secretName: pulumi.Output<string>;
  /** How clients connect. */
  public readonly connection: PostgresConnection;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:postgres:Postgres", name, {}, opts);
    this.database = args.database ?? "mlflow";
    this.user = this.database;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.database)) {
      throw new pulumi.ResourceError(`database ${JSON.stringify(this.database)} is not a valid Postgres identifier; allowed: [a-z_][a-z0-9_]*`, this);
    }
    const labels = appLabels("postgres", name);
    this.podLabels = labels;
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this });

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    this.password = password.result;
    this.secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: {
          [POSTGRES_SECRET_KEYS.user]: this.user,
          [POSTGRES_SECRET_KEYS.password]: password.result,
          [POSTGRES_SECRET_KEYS.database]: this.database,
        },
      },
      { parent: this },
    );
    this.secretName = this.secret.metadata.name;

    this.service = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          clusterIP: "None",
          selector: labels,
          ports: [{ name: "postgres", port: PORTS.postgres, targetPort: PORTS.postgres, protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    this.host = serviceHost(this.service);
    this.connection = { host: this.host, port: this.port, database: this.database, user: this.user, secretName: this.secretName };

    const ready = ["pg_isready", "-h", "127.0.0.1", "-p", String(PORTS.postgres), "-U", this.user, "-d", this.database];
    const pod = new PodBuilder({
      labels,
      serviceAccountName: sa.metadata.name,
      uid: POSTGRES_UID,
      fsGroup: POSTGRES_UID,
      terminationGracePeriodSeconds: 60,
      container: {
        name: "postgres",
        image: args.image,
        imagePullPolicy: args.imagePullPolicy,
        ports: [{ name: "postgres", containerPort: PORTS.postgres }],
        env: [
          secretEnv("POSTGRES_USER", this.secretName, POSTGRES_SECRET_KEYS.user),
          secretEnv("POSTGRES_PASSWORD", this.secretName, POSTGRES_SECRET_KEYS.password),
          secretEnv("POSTGRES_DB", this.secretName, POSTGRES_SECRET_KEYS.database),
          // A subdirectory: the volume root holds lost+found on many storage classes.
          { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        resources: resourcesFor("postgres", args.size),
      },
      probes: {
        liveness: { exec: { command: ready }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
        readiness: { exec: { command: ready }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        startup: { exec: { command: ready }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
      },
      volumes: [scratch("run", "/var/run/postgresql", "16Mi"), scratch("tmp", "/tmp", "64Mi")],
    });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-sts`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: pod.asStatefulSetSpec({
          serviceName: this.service.metadata.name,
          selector: labels,
          data: { mountPath: "/var/lib/postgresql/data", storageSize: args.storageSize, storageClass: args.storageClass, labels },
        }),
      },
      { parent: this },
    );

    allowIngress(`${name}-allow-clients`, { namespace: args.namespace, podLabels: labels, ports: [PORTS.postgres], access: "postgres" }, { parent: this });
    this.registerOutputs({ host: this.host, secretName: this.secretName });
  }
}
