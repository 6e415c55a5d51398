/**
 * Alerts as code, derived from the engine's detection table: rule files for Loki, OpenSearch and
 * Elasticsearch, the predicate that replays recorded events, the can-fire analysis against a policy,
 * and a Grafana dashboard. Pure functions, no Pulumi import.
 */
export * from "./catalog";
export { ConditionKind, eventMatches, conditionHolds, lokiLabel, esField, readsBody, type Condition, type FieldPath, type BodyPath } from "./conditions";
export * from "./logql";
export * from "./elastic";
export * from "./render";
export * from "./coverage";
export * from "./dashboard";
export * from "./deploy";
