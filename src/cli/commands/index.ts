/**
 * Every command, registered in the order `qms --help` lists them. Each module
 * only declares flags; its action lazy-imports the service that does the work.
 */
import type { Command } from 'commander';
import type { ProgramContext } from '../main.js';
import { registerInit } from './init.js';
import { registerConfig } from './config.js';

export type RegisterCommand = (program: Command, ctx: ProgramContext) => void;

export const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerConfig,
];
