/**
 * The alert conditions as Elasticsearch/OpenSearch query DSL (Kibana's "Elasticsearch query" rule,
 * OpenSearch per query monitors), over documents holding the raw audit event fields (`verb`,
 * `objectRef.resource`, `user.username`, ...), as the shipper writes them.
 *
 * Under dynamic mapping every string is a `text` field with a `keyword` sub-field: exact matches and
 * prefixes go to `<field>.keyword` (a `term` on the analysed `text` field would never match
 * `system:serviceaccount:...`). Pass `keywordSuffix: ""` when an index template maps them as keyword.
 * Arrays (containers, volumes) are flattened by Elasticsearch, so body paths need no array handling.
 */
import { ConditionKind, esField, STATUS_CODE, type Condition, type FieldPath } from "./conditions";

export interface ElasticQueryOptions {
  /** Suffix of the exact-match sub-field of string fields. Default ".keyword" (dynamic mapping). */
  keywordSuffix?: string;
}

type Json = Record<string, unknown>;

const kw = (field: FieldPath, o: ElasticQueryOptions) => `${esField(field)}${o.keywordSuffix ?? ".keyword"}`;
const missing = (field: string): Json => ({ bool: { must_not: [{ exists: { field } }] } });
const anyOf = (should: Json[]): Json => (should.length === 1 ? should[0] : { bool: { should, minimum_should_match: 1 } });

/** A clause that holds when the string field equals one of the values ("" also matches an absent field). */
function equalsAny(field: FieldPath, values: readonly string[], o: ElasticQueryOptions): Json {
  const name = kw(field, o);
  const present = values.filter((v) => v !== "");
  const should: Json[] = [];
  if (present.length > 0) should.push(present.length === 1 ? { term: { [name]: present[0] } } : { terms: { [name]: [...present] } });
  if (present.length < values.length) should.push(missing(esField(field)));
  return anyOf(should);
}

const prefixes = (field: FieldPath, ps: readonly string[], o: ElasticQueryOptions): Json[] => ps.map((p) => ({ prefix: { [kw(field, o)]: p } }));

/** Query DSL for all conditions: `{ bool: { filter, must_not } }`. */
export function esQuery(conditions: readonly Condition[], o: ElasticQueryOptions = {}): Json {
  const filter: Json[] = [];
  const mustNot: Json[] = [];
  for (const c of conditions) {
    switch (c.kind) {
      case ConditionKind.OneOf:
        filter.push(equalsAny(c.field, c.values, o));
        break;
      case ConditionKind.NoneOf:
        mustNot.push(equalsAny(c.field, c.values, o));
        break;
      case ConditionKind.PrefixOf:
        filter.push(anyOf(prefixes(c.field, c.prefixes, o)));
        break;
      case ConditionKind.NotPrefixOf:
        mustNot.push(...prefixes(c.field, c.prefixes, o));
        if (c.exact.length > 0) mustNot.push({ terms: { [kw(c.field, o)]: [...c.exact] } });
        break;
      case ConditionKind.Present:
        filter.push({ exists: { field: esField(c.field) } });
        mustNot.push({ term: { [kw(c.field, o)]: "" } });
        break;
      case ConditionKind.Succeeded:
        filter.push({ range: { [esField(STATUS_CODE)]: { gte: 200, lt: 300 } } });
        break;
      case ConditionKind.BodyTrue:
        filter.push(anyOf(c.paths.map((p) => ({ term: { [esField(p)]: true } }))));
        break;
      case ConditionKind.BodyObject:
        filter.push(anyOf(c.paths.map((p) => ({ exists: { field: esField(p) } }))));
        break;
    }
  }
  return { bool: { filter, ...(mustNot.length > 0 ? { must_not: mustNot } : {}) } };
}
