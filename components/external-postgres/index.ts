import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { credentialsHash } from "../shared/credentials";
import { ACCESS, appLabels } from "../shared/labels";
import { POSTGRES_SECRET_KEYS, type PostgresConnection } from "../postgres";

/** The CA certificate's key in its ConfigMap. */
export const POSTGRES_CA_KEY = "ca.crt";

/**
 * A Postgres the team brings (RDS, Cloud SQL, Azure Database, its own): no server of ours.
 * It gives MLflow what the in-cluster Postgres does (a PostgresConnection): the host, and a
 * Secret with the user, password and database under POSTGRES_SECRET_KEYS, plus TLS: libpq's
 * sslmode and, for the verify modes, the CA certificate in a ConfigMap. An egress policy lets
 * the pods labelled as Postgres clients reach its port. Its backups are the service's own:
 * the platform's backup CronJob is for the in-cluster Postgres only.
 */
/** The external database as the stack configures it (postgres* keys). */
export interface ExternalPostgresSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: pulumi.Output<string>;
  /** libpq sslmode (disable ... verify-full). */
  sslMode: string;
  /** PEM of the CA that signed the server's certificate; "" = the image's system CAs (libpq sslrootcert=system) in the verify modes. */
  caCert: string;
}

export class ExternalPostgres extends pulumi.ComponentResource {
  public readonly connection: PostgresConnection;

  constructor(name: string, args: { namespace: pulumi.Input<string>; settings: ExternalPostgresSettings }, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:external-postgres:ExternalPostgres", name, {}, opts);
    const c = args.settings;
    const labels = appLabels("external-postgres", name);
    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [POSTGRES_SECRET_KEYS.user]: c.user, [POSTGRES_SECRET_KEYS.password]: c.password, [POSTGRES_SECRET_KEYS.database]: c.database },
      },
      { parent: this },
    );
    const ca =
      c.caCert !== ""
        ? new k8s.core.v1.ConfigMap(`${name}-ca`, { metadata: { namespace: args.namespace, labels }, data: { [POSTGRES_CA_KEY]: c.caCert } }, { parent: this })
        : undefined;
    this.connection = {
      host: pulumi.output(c.host),
      port: c.port,
      database: c.database,
      user: c.user,
      secretName: secret.metadata.name,
      tls: { sslMode: c.sslMode, caConfigMap: ca?.metadata.name },
      hash: credentialsHash(c.password),
    };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-egress`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: { [ACCESS.postgres]: "true" } },
          policyTypes: ["Egress"],
          egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: c.port }] }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({ host: c.host });
  }
}
