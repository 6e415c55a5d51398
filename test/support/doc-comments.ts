/**
 * Finds exported declarations without a doc comment, with the TypeScript compiler API: every symbol
 * a module exports (its own declarations and what it re-exports), and, with `members`, every
 * property and method of the exported interfaces, classes and object types, and every member of
 * exported enums. Used by test/audit-policy/doc-comments.test.ts; pass other entry files to check
 * another part of the package (e.g. its root, index.ts).
 */
import * as path from "node:path";
import ts from "typescript";

/** What to check. */
export interface DocCommentOptions {
  /** Also check the members of exported interfaces, classes, object types and enums. Default true. */
  members?: boolean;
  /** Paths in the report are relative to this directory. Default: the current directory. */
  root?: string;
}

/** One exported declaration without a doc comment. */
export interface Undocumented {
  /** `Policy`, or `PolicyRule.level` for a member. */
  name: string;
  /** `components/audit-policy/types.ts:24` */
  location: string;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};
const LIB_FILES = new Map<string, ts.SourceFile | undefined>();

const hasDoc = (symbol: ts.Symbol, checker: ts.TypeChecker): boolean => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== "";

/** Exported declarations of `entryFiles` (and of what they re-export) that have no doc comment, sorted by location. */
export function undocumentedExports(entryFiles: readonly string[], options: DocCommentOptions = {}): Undocumented[] {
  const root = options.root ?? process.cwd();
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const readSourceFile = host.getSourceFile;
  // The standard library's declaration files are the same for every call: parse them once.
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!fileName.includes("/typescript/lib/")) return readSourceFile(fileName, languageVersion, ...rest); // TypeScript's paths use "/"
    let cached = LIB_FILES.get(fileName);
    if (!cached) LIB_FILES.set(fileName, (cached = readSourceFile(fileName, languageVersion, ...rest)));
    return cached;
  };
  const program = ts.createProgram(entryFiles.map((f) => path.resolve(root, f)), COMPILER_OPTIONS, host);
  const checker = program.getTypeChecker();
  const found = new Map<string, Undocumented>();
  const seen = new Set<ts.Symbol>();

  const locate = (decl: ts.Declaration): string => {
    const sf = decl.getSourceFile();
    const line = sf.getLineAndCharacterOfPosition(decl.getStart(sf)).line + 1;
    return `${path.relative(root, sf.fileName).split(path.sep).join("/")}:${line}`;
  };
  const report = (name: string, decl: ts.Declaration) => {
    const location = locate(decl);
    found.set(`${location} ${name}`, { name, location });
  };
  const inProject = (decl: ts.Declaration) => !decl.getSourceFile().isDeclarationFile && !decl.getSourceFile().fileName.includes("node_modules");

  const checkMembers = (owner: string, symbol: ts.Symbol) => {
    for (const decl of symbol.declarations ?? []) {
      let members: ts.NodeArray<ts.Node> | undefined;
      if (ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl) || ts.isEnumDeclaration(decl)) members = decl.members;
      else if (ts.isTypeAliasDeclaration(decl) && ts.isTypeLiteralNode(decl.type)) members = decl.type.members;
      for (const member of members ?? []) {
        if (ts.isConstructorDeclaration(member) || ts.isIndexSignatureDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) continue;
        const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) : undefined;
        if (modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
        const name = (member as ts.NamedDeclaration).name;
        if (name && ts.isPrivateIdentifier(name)) continue;
        const memberSymbol = name ? checker.getSymbolAtLocation(name) : undefined;
        if (memberSymbol && !hasDoc(memberSymbol, checker)) report(`${owner}.${memberSymbol.getName()}`, member as ts.Declaration);
      }
    }
  };

  for (const file of program.getRootFileNames()) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`doc-comment check: cannot read entry file ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) continue; // not a module: exports nothing
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      const decls = (symbol.declarations ?? []).filter(inProject);
      if (decls.length === 0) continue;
      if (!hasDoc(symbol, checker)) report(symbol.getName(), decls[0]);
      if (options.members ?? true) checkMembers(symbol.getName(), symbol);
    }
  }
  const order = (u: Undocumented) => u.location.replace(/:(\d+)$/, (_, n: string) => `:${n.padStart(6, "0")}`);
  return [...found.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
