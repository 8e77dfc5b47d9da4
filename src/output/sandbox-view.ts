/** Rendering of `qms sandbox status`. */
import type { SandboxStatus } from '../services/sandbox.js';
import type { OutputFormat } from '../cli/global-options.js';
import { toCsv, toJson, toMarkdown, toNdjson, type Column } from './formats.js';
import { renderTable } from './table.js';
import { sanitizeForTerminal } from './sanitize.js';

type User = SandboxStatus['users'][number];

const USER_COLUMNS: Column<User>[] = [
  { key: 'login', header: 'User', value: (u) => u.login },
  { key: 'persona', header: 'Persona', value: (u) => u.persona, maxWidth: 44 },
  { key: 'roles', header: 'QMS roles', value: (u) => u.roles.join(', '), maxWidth: 24 },
  { key: 'token', header: 'Token', value: (u) => u.token },
];

export function renderSandboxStatus(status: SandboxStatus, format: OutputFormat, width: number): string {
  switch (format) {
    case 'json':
      return toJson(status);
    case 'ndjson':
      return toNdjson(status.users);
    case 'csv':
      return toCsv(USER_COLUMNS, status.users);
    case 'markdown':
      return toMarkdown(USER_COLUMNS, status.users);
    case 'table':
      break;
  }
  const lines: string[] = [];
  lines.push(`sandbox API ${status.apiUrl}, signed in as ${sanitizeForTerminal(status.viewer.login)}`);
  lines.push(
    `state file ${status.stateFile}${status.stateFileModified ? ` (changed ${status.stateFileModified})` : ' (fresh from fixtures)'}`,
  );
  lines.push(`rate limit ${status.rateLimit.remaining}/${status.rateLimit.limit} requests left this hour`);
  lines.push('');
  for (const org of status.orgs) {
    lines.push(
      `${org.login} (${org.plan} plan): ${org.repositories} repositories — ${org.public} public, ${org.private} private, ${org.internal} internal, ${org.archived} archived`,
    );
  }
  lines.push('');
  return `${lines.join('\n')}\n${renderTable(USER_COLUMNS, status.users, { width: Math.min(width, 120) })}`;
}
