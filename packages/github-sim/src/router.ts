/**
 * Matches request paths against OpenAPI path templates. Parameters are
 * matched on the raw (percent-encoded) path and decoded afterwards, so a
 * branch `release%2F1.0` arrives as `release/1.0`. `{branch}`, `{path}` and
 * `{ref}` may also span several segments (GitHub accepts unencoded slashes
 * there); more specific templates are tried first.
 */
import type { RouteDef } from './http.js';

const GREEDY_PARAMS = new Set(['branch', 'path', 'ref']);

interface CompiledRoute {
  def: RouteDef;
  regex: RegExp;
  names: string[];
  literalSegments: number;
  greedy: number;
}

export interface RouteMatch {
  def: RouteDef;
  params: Record<string, string>;
}

function compile(def: RouteDef): CompiledRoute {
  const names: string[] = [];
  let literalSegments = 0;
  let greedy = 0;
  const pattern = def.template
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m) {
        if (segment) literalSegments++;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      const name = m[1] as string;
      names.push(name);
      if (GREEDY_PARAMS.has(name)) {
        greedy++;
        return '(.+)';
      }
      return '([^/]+)';
    })
    .join('/');
  return { def, regex: new RegExp(`^${pattern}/?$`), names, literalSegments, greedy };
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(defs: readonly RouteDef[]) {
    this.routes = defs.map(compile).sort((a, b) => b.literalSegments - a.literalSegments || a.greedy - b.greedy);
  }

  /** The route for method + raw path (without query), or null. */
  match(method: string, rawPath: string): RouteMatch | null {
    for (const route of this.routes) {
      if (route.def.method !== method) continue;
      const m = route.regex.exec(rawPath);
      if (!m) continue;
      const params: Record<string, string> = {};
      let ok = true;
      route.names.forEach((name, i) => {
        const raw = m[i + 1] ?? '';
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          ok = false;
        }
      });
      if (ok) return { def: route.def, params };
    }
    return null;
  }

  get definitions(): RouteDef[] {
    return this.routes.map((r) => r.def);
  }
}
