/**
 * Checks the cross-language examples of docs/cross-language.md against the inferred schema: which
 * component each call or resource creates, and every argument it gives (exists, right type,
 * required ones present, enum values valid). The Python reader understands the literal subset the
 * examples use (strings, numbers, booleans, None, lists, dicts, dotted names as Outputs).
 */

/** A value of an example: literals, or an expression whose type only the program knows (an Output). */
export type ExampleValue = string | number | boolean | null | ExampleValue[] | { [key: string]: ExampleValue } | { expression: string };

/** One component an example creates: its type token and arguments (camelCase keys). */
export interface ExampleResource {
  token: string;
  name: string;
  args: Record<string, ExampleValue>;
}

interface PropertySpec {
  type?: string;
  $ref?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
}
interface TypeSpec {
  type: string;
  enum?: { value: string | number }[];
  properties?: Record<string, PropertySpec>;
  required?: string[];
}
/** The parts of a Pulumi package schema the check reads. */
export interface PackageSchema {
  resources: Record<string, { inputProperties: Record<string, PropertySpec>; requiredInputs: string[] }>;
  types: Record<string, TypeSpec>;
}

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function isExpression(v: ExampleValue): boolean {
  if (typeof v === "string") return v.includes("${");
  return v !== null && typeof v === "object" && !Array.isArray(v) && (Object.keys(v).some((k) => k.startsWith("fn::")) || "expression" in v);
}

/** Problems of `value` against `spec`, each as `path: what is wrong`. */
function check(schema: PackageSchema, spec: PropertySpec, value: ExampleValue, path: string, out: string[]): void {
  if (isExpression(value)) return; // an Output or a Pulumi YAML function: typed by the program
  if (spec.$ref !== undefined) {
    const local = /^#\/types\/(.+)$/.exec(spec.$ref);
    if (!local) {
      if (typeof value !== "object" || value === null) out.push(`${path}: expected an object of ${spec.$ref}`);
      return; // a type of another package (rancher2, command): not ours to check
    }
    const type = schema.types[local[1]];
    if (type === undefined) return void out.push(`${path}: the schema has no type ${local[1]}`);
    if (type.enum) {
      const values = type.enum.map((e) => e.value);
      if (!values.includes(value as string)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${values.join(", ")}`);
      return;
    }
    checkObject(schema, type.properties ?? {}, type.required ?? [], value, path, out);
    return;
  }
  switch (spec.type) {
    case "string":
      if (typeof value !== "string") out.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case "number":
    case "integer":
      if (typeof value !== "number") out.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case "boolean":
      if (typeof value !== "boolean") out.push(`${path}: expected true or false, got ${JSON.stringify(value)}`);
      return;
    case "array":
      if (!Array.isArray(value)) return void out.push(`${path}: expected a list`);
      value.forEach((item, i) => check(schema, spec.items ?? {}, item, `${path}[${i}]`, out));
      return;
    case "object":
      if (typeof value !== "object" || value === null || Array.isArray(value)) return void out.push(`${path}: expected a map`);
      for (const [k, v] of Object.entries(value)) check(schema, spec.additionalProperties ?? {}, v as ExampleValue, `${path}.${k}`, out);
      return;
    default:
      out.push(`${path}: the schema gives no type`);
  }
}

function checkObject(schema: PackageSchema, properties: Record<string, PropertySpec>, required: string[], value: ExampleValue, path: string, out: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return void out.push(`${path}: expected an object`);
  const object = value as Record<string, ExampleValue>;
  for (const r of required) if (!(r in object)) out.push(`${path}: required ${r} is missing`);
  for (const [k, v] of Object.entries(object)) {
    const spec = properties[k];
    if (spec === undefined) out.push(`${path}.${k}: not an argument (the arguments are ${Object.keys(properties).sort().join(", ")})`);
    else check(schema, spec, v, `${path}.${k}`, out);
  }
}

/** Every problem of the example's resources against the schema; empty when they fit. */
export function checkExample(schema: PackageSchema, resources: ExampleResource[]): string[] {
  const out: string[] = [];
  for (const r of resources) {
    const component = schema.resources[r.token];
    if (component === undefined) {
      out.push(`${r.name}: the schema has no component ${r.token}`);
      continue;
    }
    checkObject(schema, component.inputProperties, component.requiredInputs, r.args, r.name, out);
  }
  return out;
}

/** The components a Pulumi YAML program declares (`type: rancher-audit:index:...`). */
export function yamlResources(program: { resources?: Record<string, { type: string; properties?: Record<string, ExampleValue> }> }, pkg: string): ExampleResource[] {
  return Object.entries(program.resources ?? {})
    .filter(([, r]) => r.type.startsWith(`${pkg}:`))
    .map(([name, r]) => ({ token: r.type, name, args: r.properties ?? {} }));
}

/** Reads Python literals: the argument list of a call, keyword names and dict keys turned camelCase. */
class PythonReader {
  private i = 0;
  constructor(private readonly text: string) {}

  private skip(): void {
    for (;;) {
      while (/\s/.test(this.text[this.i] ?? "")) this.i++;
      if (this.text[this.i] !== "#") return;
      while (this.i < this.text.length && this.text[this.i] !== "\n") this.i++;
    }
  }

  private fail(what: string): never {
    throw new Error(`cannot read the Python example at ${JSON.stringify(this.text.slice(this.i, this.i + 30))}: ${what}`);
  }

  private expect(c: string): void {
    this.skip();
    if (this.text[this.i] !== c) this.fail(`expected ${c}`);
    this.i++;
  }

  /** At the closing bracket `c` (consumed)? */
  private closes(c: string): boolean {
    this.skip();
    if (this.text[this.i] !== c) return false;
    this.i++;
    return true;
  }

  /** After an item: `,` (then true when the bracket closes after a trailing comma) or the closing bracket (true). */
  private separator(close: string): boolean {
    if (this.closes(close)) return true;
    this.expect(",");
    return this.closes(close);
  }

  value(): ExampleValue {
    this.skip();
    const c = this.text[this.i];
    if (c === '"' || c === "'") {
      const end = this.text.indexOf(c, this.i + 1);
      const s = this.text.slice(this.i + 1, end);
      this.i = end + 1;
      return s;
    }
    if (c === "[") {
      this.i++;
      const items: ExampleValue[] = [];
      if (this.closes("]")) return items;
      do items.push(this.value());
      while (!this.separator("]"));
      return items;
    }
    if (c === "{") {
      this.i++;
      const out: Record<string, ExampleValue> = {};
      if (this.closes("}")) return out;
      do {
        const key = this.value();
        if (typeof key !== "string") this.fail("dict keys must be strings");
        this.expect(":");
        out[camel(key)] = this.value();
      } while (!this.separator("}"));
      return out;
    }
    const m = /^(-?\d+(\.\d+)?|True|False|None|[A-Za-z_][\w.]*)/.exec(this.text.slice(this.i));
    if (!m) this.fail("not a literal");
    this.i += m[0].length;
    if (/^-?\d/.test(m[0])) return Number(m[0]);
    if (m[0] === "True" || m[0] === "False") return m[0] === "True";
    if (m[0] === "None") return null;
    return { expression: m[0] };
  }

  /** `("name", key=value, ...)`: the resource name and the keyword arguments. */
  call(): { name: string; args: Record<string, ExampleValue> } {
    this.expect("(");
    const name = this.value();
    if (typeof name !== "string") this.fail("the first argument must be the resource name");
    const args: Record<string, ExampleValue> = {};
    while (!this.separator(")")) {
      const m = /^([A-Za-z_]\w*)\s*=/.exec(this.text.slice(this.i));
      if (!m) this.fail("expected a keyword argument");
      this.i += m[0].length;
      args[camel(m[1])] = this.value();
    }
    return { name, args };
  }

  seek(pos: number): this {
    this.i = pos;
    return this;
  }
}

/** The components a Python example creates: calls `<module>.<Class>("name", key=value, ...)`. */
export function pythonResources(source: string, module: string, pkg: string): ExampleResource[] {
  const out: ExampleResource[] = [];
  const re = new RegExp(`\\b${module}\\.([A-Z]\\w*)(?=\\()`, "g");
  for (const m of source.matchAll(re)) {
    const { name, args } = new PythonReader(source).seek(m.index + m[0].length).call();
    out.push({ token: `${pkg}:index:${m[1]}`, name, args });
  }
  return out;
}
