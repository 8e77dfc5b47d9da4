/**
 * Reads one YAML config file into plain data and keeps the document's node
 * positions, so every later problem (schema or semantic) can name its line and
 * column from a JSON pointer.
 *
 * Why the `yaml` package (eemeli/yaml) and not js-yaml: js-yaml turns YAML into
 * plain JavaScript values and throws the positions away (only syntax errors carry
 * a mark), so a wrong value found later by the schema could not be located.
 * `yaml` keeps a document tree whose every node has a source range, gives a
 * `LineCounter` to turn offsets into line/column, reports all syntax errors
 * instead of the first, limits alias expansion (`maxAliasCount`) against
 * "billion laughs" files, and is maintained and dependency-free.
 *
 * Hostile input is refused before or while parsing, each as a located problem:
 * files over 1 MB, non-UTF-8 bytes and binary files, flow nesting deeper than 64,
 * several documents in one file, duplicate keys, tabs used as indentation, alias
 * bombs, unknown tags, and a top level that is not a mapping.
 */
import { Alias, isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { ConfigProblem } from '../core/errors.js';
import { fromPointer, quote } from './describe.js';

/** Largest config file qms reads. The seed's largest example is ~2 kB; 1 MB is generous. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Alias expansions allowed (yaml counts anchors × aliases inside them). Small on purpose. */
export const MAX_ALIAS_COUNT = 50;
/** Deepest `[`/`{` nesting; yaml needs seconds and hundreds of MB for 500,000 levels. */
export const MAX_FLOW_DEPTH = 64;

export interface Position {
  line: number;
  column: number;
}

/** A parsed file: the document tree, for locating JSON pointers. */
export interface YamlSource {
  readonly file: string;
  /** Does the file itself contain this pointer? */
  has(pointer: string): boolean;
  /**
   * Where the value at `pointer` is (or its key, with `key: true`). When the
   * pointer does not exist in the file, the deepest ancestor that does.
   */
  locate(pointer: string, options?: { key?: boolean }): Position | undefined;
}

export interface ParsedYaml {
  /** The plain data; undefined when there are problems. */
  value: unknown;
  source: YamlSource;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

/** A source with no document (nothing to locate). */
export function emptySource(file: string): YamlSource {
  return { file, has: () => false, locate: () => undefined };
}

function positionAt(bytes: Uint8Array, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function findInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Deepest flow nesting (`[` and `{` outside quotes and comments), and where it
 * first exceeds `limit`. Approximate on purpose (no full YAML lexing): it runs
 * before the parser so that a nesting bomb costs milliseconds, not seconds.
 */
function findExcessiveNesting(text: string, limit: number): number {
  let depth = 0;
  let quoteChar: string | null = null;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      // Comments end at the line end; quoted scalars may span lines.
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quoteChar) {
      if (c === '\\' && quoteChar === '"') i++;
      else if (c === quoteChar) {
        if (quoteChar === "'" && text[i + 1] === "'") i++;
        else quoteChar = null;
      }
      continue;
    }
    const prev = i === 0 ? '\n' : text[i - 1]!;
    if (c === '#' && /\s/.test(prev)) comment = true;
    else if ((c === '"' || c === "'") && /[\s[{,:\n-]/.test(prev)) quoteChar = c;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth > limit) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return -1;
}

/** yaml's messages end with " at line X, column Y:" and a code frame; keep the sentence. */
function yamlSentence(message: string): string {
  const first = message.split('\n')[0] ?? message;
  const sentence = first.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

/** What a YAML syntax error means for someone editing the file. */
function explainYamlError(code: string, message: string): string {
  if (code === 'TAB_AS_INDENT') return 'a tab is used for indentation; YAML allows only spaces there';
  if (code === 'RESOURCE_EXHAUSTION') return 'the file is nested too deeply to read safely';
  return `not valid YAML: ${yamlSentence(message)}`;
}

class DocumentSource implements YamlSource {
  constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  private pos(offset: number | undefined): Position | undefined {
    if (offset === undefined) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Walk the tree; returns the deepest node reached and whether the walk was complete. */
  private walk(pointer: string): { node: Node | null; keyNode: Node | null; complete: boolean } {
    let node = this.doc.contents as Node | null;
    let keyNode: Node | null = null;
    const seen = new Set<Node>();
    for (const token of fromPointer(pointer)) {
      while (node && isAlias(node)) {
        if (seen.has(node)) return { node: null, keyNode, complete: false };
        seen.add(node);
        node = ((node as Alias).resolve(this.doc) as Node | undefined) ?? null;
      }
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === token);
        if (!pair) return { node, keyNode, complete: false };
        keyNode = pair.key as Node;
        node = (pair.value as Node | null) ?? null;
        if (node === null) return { node: keyNode, keyNode, complete: true };
      } else if (node && isSeq(node) && /^\d+$/.test(token)) {
        const item = node.items[Number(token)] as Node | undefined;
        if (!item) return { node, keyNode, complete: false };
        keyNode = null;
        node = item;
      } else {
        return { node, keyNode, complete: false };
      }
    }
    return { node, keyNode, complete: true };
  }

  has(pointer: string): boolean {
    return this.walk(pointer).complete;
  }

  locate(pointer: string, options?: { key?: boolean }): Position | undefined {
    const { node, keyNode, complete } = this.walk(pointer);
    if (complete && options?.key && keyNode) return this.pos(keyNode.range?.[0]);
    const target = node ?? keyNode;
    return this.pos(target?.range?.[0]);
  }
}

function at(file: string, pos: Position | undefined, message: string): ConfigProblem {
  return pos ? { file, line: pos.line, column: pos.column, message } : { file, message };
}

/**
 * Decode and parse one config file. Never throws for bad input: every reason
 * the file cannot be read becomes a problem.
 */
export function parseYamlConfig(input: string | Uint8Array, file: string): ParsedYaml {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const fail = (p: ConfigProblem, source: YamlSource = emptySource(file)): ParsedYaml => ({
    value: undefined,
    source,
    problems: [p],
    warnings,
  });

  let text: string;
  if (typeof input === 'string') {
    const size = Buffer.byteLength(input, 'utf8');
    if (size > MAX_CONFIG_BYTES) {
      return fail({ file, message: `the file is ${size} bytes; qms reads config files of at most 1 MB (${MAX_CONFIG_BYTES} bytes)` });
    }
    text = input;
  } else {
    if (input.length > MAX_CONFIG_BYTES) {
      return fail({
        file,
        message: `the file is ${input.length} bytes; qms reads config files of at most 1 MB (${MAX_CONFIG_BYTES} bytes)`,
      });
    }
    if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff)) {
      return fail({ file, line: 1, column: 1, message: 'the file is UTF-16 text; save it as UTF-8' });
    }
    const nul = input.indexOf(0);
    if (nul >= 0) {
      const pos = positionAt(input, nul);
      return fail(at(file, pos, 'the file contains a NUL byte: it looks like a binary file, not YAML text'));
    }
    const bad = findInvalidUtf8(input);
    if (bad >= 0) {
      const pos = positionAt(input, bad);
      const hex = input[bad]!.toString(16).toUpperCase().padStart(2, '0');
      return fail(at(file, pos, `the file is not UTF-8 text (byte 0x${hex} here); save it as UTF-8`));
    }
    text = new TextDecoder('utf-8').decode(input);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (typeof input === 'string' && text.includes('\u0000')) {
    const offset = text.indexOf('\u0000');
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    return fail({
      file,
      line,
      column: offset - before.lastIndexOf('\n'),
      message: 'the file contains a NUL character: it looks like a binary file, not YAML text',
    });
  }

  const lines = new LineCounter();
  const tooDeep = findExcessiveNesting(text, MAX_FLOW_DEPTH);
  if (tooDeep >= 0) {
    // Register line starts without parsing the (hostile) document.
    lines.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
    const { line, col } = lines.linePos(tooDeep);
    return fail({
      file,
      line,
      column: col,
      message: `lists and mappings are nested more than ${MAX_FLOW_DEPTH} levels deep; qms refuses such files`,
    });
  }

  let docs: Document.Parsed[];
  try {
    // prettyErrors off: its code frames are built with regular expressions that
    // exhaust memory on hostile input; positions come from the LineCounter instead.
    docs = [
      ...parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'silent', strict: true }),
    ] as Document.Parsed[];
  } catch (err) {
    return fail({ file, message: `could not be read as YAML (${err instanceof Error ? err.message : String(err)})` });
  }
  const position = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };

  if (docs.length === 0) return fail({ file, message: 'the file is empty; it needs at least one key' });
  if (docs.length > 1) {
    const second = docs[1]!;
    return fail(
      at(file, position(second.range[0]), 'the file holds more than one YAML document (a second one starts here); qms reads exactly one'),
    );
  }
  const doc = docs[0]!;
  const source = new DocumentSource(file, doc, lines);

  for (const e of doc.errors) problems.push(at(file, position(e.pos[0]), explainYamlError(e.code, e.message)));
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      const tag = text.slice(w.pos[0], w.pos[1]).trim() || yamlSentence(w.message).replace(/^unresolved tag: /, '');
      problems.push(at(file, position(w.pos[0]), `YAML tags such as ${quote(tag)} are not used in qms files; remove the tag`));
    } else {
      warnings.push(at(file, position(w.pos[0]), yamlSentence(w.message)));
    }
  }
  if (problems.length > 0) return { value: undefined, source, problems, warnings };

  // Duplicate keys (yaml's own check stops at the first; this one names both places),
  // keys that are not plain scalars, and tags on collections.
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (key === null) continue;
        if (!isScalar(key)) {
          problems.push(at(file, position(key.range?.[0] ?? 0), 'keys must be plain names, not lists or mappings'));
          continue;
        }
        const name = String(key.value);
        const first = seen.get(name);
        if (first) {
          const firstLine = position(first.range?.[0] ?? 0).line;
          problems.push(
            at(
              file,
              position(key.range?.[0] ?? 0),
              `key ${quote(name)} appears twice in the same mapping (first on line ${firstLine}); each key may appear only once`,
            ),
          );
        } else seen.set(name, key);
      }
    },
  });
  if (problems.length > 0) return { value: undefined, source, problems, warnings };
  if (doc.contents === null) return fail({ file, message: 'the file is empty; it needs at least one key' }, source);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    let firstAlias: Node | undefined;
    let unresolved: Alias | undefined;
    visit(doc, {
      Alias(_key, alias) {
        firstAlias ??= alias;
        if (!unresolved && !alias.resolve(doc)) unresolved = alias;
      },
    });
    if (unresolved) {
      return fail(
        at(
          file,
          position(unresolved.range?.[0] ?? 0),
          `alias *${unresolved.source} refers to no anchor &${unresolved.source} defined before it`,
        ),
        source,
      );
    }
    if (/excessive alias count/i.test(message)) {
      return fail(
        at(
          file,
          firstAlias ? position(firstAlias.range?.[0] ?? 0) : undefined,
          `YAML aliases expand too many times (more than ${MAX_ALIAS_COUNT}): this looks like an alias bomb; write the values out instead`,
        ),
        source,
      );
    }
    return fail({ file, message: `could not be read as YAML (${message})` }, source);
  }

  if (value === null || value === undefined) return fail({ file, message: 'the file is empty; it needs at least one key' }, source);
  if (typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : 'a single value';
    return fail(
      at(file, position(doc.contents.range?.[0] ?? 0), `the top level must be a mapping of keys (such as "version: 1"), not ${what}`),
      source,
    );
  }
  return { value, source, problems, warnings };
}
