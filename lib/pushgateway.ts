/**
 * The Prometheus Pushgateway the drift CronJob pushes its per-run metrics to (PUSHGATEWAY_URL,
 * the stack's pushgatewayUrl): the rule the stack config and the job's environment check, the
 * port the job's egress NetworkPolicy opens, and the job name the metrics are grouped under.
 */
import { httpUrlPort } from "./http-url";

/** What the rule allows, for error messages. */
export const PUSHGATEWAY_URL_RULE = "an http(s) URL of a Pushgateway such as http://prometheus-pushgateway.monitoring.svc:9091, or empty for no push";

/** The `job` grouping label of every push (the Pushgateway's /metrics/job/<job>/...). */
export const PUSH_JOB = "drift-loop-drift";

/** The TCP port of the Pushgateway URL (9091 in the example; 80/443 when the URL names none). */
export function pushgatewayPort(url: string): number {
  return httpUrlPort(url, "Pushgateway URL", PUSHGATEWAY_URL_RULE);
}
