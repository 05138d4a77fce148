// Every command's definition, in the order `wxlogin --help` lists them. A definition registers options, help and an
// example, and imports its implementation lazily inside the action.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export type RegisterCommand = (program: Command, getCtx: () => CliContext) => void;

export const commands: RegisterCommand[] = [];
