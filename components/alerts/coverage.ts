/**
 * Can-fire analysis: for each alert, does a policy log the requests the alert reads, at the level and
 * with the stages it needs? The requests and level come from the alert's detection class
 * (components/audit-policy/detections.ts); only the requests the alert itself would look at count
 * (a request by an identity the alert ignores cannot stop it from firing). An alert that cannot fire
 * is a finding: a warning by default, an error when strict.
 */
import { detectionCoverage, LEVELS, type Detection, type Finding, type Level, type Policy, type RequestAttributes } from "../audit-policy";
import { selectAlerts, detectionOf, type AlertDefinition, type AlertId } from "./catalog";
import { conditionHolds, readsBody, type Condition } from "./conditions";

export interface AlertCoverageOptions {
  /** Report alerts that cannot fire as errors instead of warnings. Default false. */
  strict?: boolean;
  /** Kubernetes version the policy runs on ("1.31", "v1.31.5+rke2r1"). Default: the newest behaviour. */
  kubernetesVersion?: string;
  /** Which alerts (ids). Default: all. */
  alerts?: readonly string[];
}

/** The request as an audit event holds it before any body or outcome is known. */
function requestAsEvent(r: RequestAttributes): object {
  return {
    verb: r.verb,
    requestURI: r.path,
    user: { username: r.user ?? "" },
    objectRef: r.resourceRequest ? { apiGroup: r.apiGroup, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name } : undefined,
  };
}

/** Conditions that a request's attributes decide (not the body, outcome, annotations or impersonation). */
function decidedByRequest(c: Condition): boolean {
  if (!("field" in c)) return false;
  const top = c.field[0];
  return top === "verb" || top === "objectRef" || top === "user" || top === "requestURI";
}

/** The detection's representative requests that this alert would look at. */
export function alertRequests(alert: AlertDefinition): readonly RequestAttributes[] {
  const decisive = alert.conditions.filter(decidedByRequest);
  return detectionOf(alert).requests.filter((r) => decisive.every((c) => conditionHolds(c, requestAsEvent(r))));
}

/** The level an alert needs: its detection's minimum, and Request when it reads a body. */
export function alertMinLevel(alert: AlertDefinition): Level {
  const detection = detectionOf(alert).minLevel;
  const body: Level = alert.conditions.some(readsBody) ? "Request" : "Metadata";
  return LEVELS.indexOf(body) > LEVELS.indexOf(detection) ? body : detection;
}

function alertDetection(alert: AlertDefinition): Detection {
  return { ...detectionOf(alert), minLevel: alertMinLevel(alert), requests: alertRequests(alert) };
}

/** How many failing requests a finding spells out. */
const SHOWN = 3;

/** An alert the policy keeps from firing, and the finding that says why. */
export interface AlertCannotFire {
  alert: AlertId;
  finding: Finding;
}

/** One finding per alert that the policy keeps from firing (empty: every alert can fire). */
export function alertCoverage(policy: Policy, options: AlertCoverageOptions = {}): Finding[] {
  return alertsCannotFire(policy, options).map((c) => c.finding);
}

/** The alerts the policy keeps from firing, in table order, each with its finding. */
export function alertsCannotFire(policy: Policy, options: AlertCoverageOptions = {}): AlertCannotFire[] {
  const alerts = selectAlerts(options.alerts);
  const coverage = detectionCoverage(policy, { kubernetesVersion: options.kubernetesVersion, detections: alerts.map(alertDetection) });
  const findings: AlertCannotFire[] = [];
  coverage.forEach((c, i) => {
    if (c.covered) return;
    const failing = c.requests.filter((r) => !r.ok);
    const rule = failing[0].decision.ruleIndex;
    findings.push({ alert: alerts[i].id, finding: {
      id: "alert-cannot-fire",
      severity: options.strict ? "error" : "warning",
      path: rule === null ? "rules" : `rules[${rule}]`,
      message:
        `alert ${alerts[i].name} (${alerts[i].id}) cannot fire: it needs ${c.minLevel} or more` +
        `${(detectionOf(alerts[i]).needsStages ?? []).length > 0 ? ` and stage ${(detectionOf(alerts[i]).needsStages ?? []).join(", ")}` : ""}; ` +
        failing.slice(0, SHOWN).map((r) => r.problem).join("; ") +
        (failing.length > SHOWN ? `; and ${failing.length - SHOWN} more of its ${c.requests.length} requests` : ""),
    } });
  });
  return findings;
}
