/**
 * Every migration, in order. Migrations are TypeScript modules (SQL in strings) so
 * tsc ships them in dist/ with no copy step. Never edit a released migration: add one.
 */
import type { Migration } from '../migrate.js';
import { migration001 } from './001-runs.js';
import { migration002 } from './002-change-sets.js';
import { migration003 } from './003-audit-log.js';
import { migration004 } from './004-lock.js';
import { migration005 } from './005-change-set-host.js';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
