/**
 * Every command, registered in the order `qms --help` lists them. Each module
 * only declares flags; its action lazy-imports the service that does the work.
 */
import type { Command } from 'commander';
import type { ProgramContext } from '../main.js';
import { registerInit } from './init.js';
import { registerConfig } from './config.js';
import { registerClassify } from './classify.js';
import { registerAssess } from './assess.js';
import { registerPlan } from './plan.js';
import { registerApply } from './apply.js';
import { registerRollback } from './rollback.js';
import { registerHistory } from './history.js';
import { registerSnapshots } from './snapshots.js';
import { registerSandbox } from './sandbox.js';
import { registerAuth } from './auth.js';
import { registerAudit } from './audit.js';

export type RegisterCommand = (program: Command, ctx: ProgramContext) => void;

export const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerConfig,
  registerClassify,
  registerAssess,
  registerPlan,
  registerApply,
  registerRollback,
  registerHistory,
  registerSnapshots,
  registerAudit,
  registerAuth,
  registerSandbox,
];
