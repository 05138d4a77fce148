// Every command's definition, in the order `wxlogin --help` lists them. A command is a folder: command.ts (options,
// help, example; imports the rest lazily inside its action), run.ts (does the work, returns a result or throws),
// format.ts (the result as text).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import up from './up/command.js';
import flow from './flow/command.js';
import audit from './audit/command.js';
import login from './login/command.js';
import fixtures from './fixtures/command.js';
import decrypt from './decrypt/command.js';
import encrypt from './encrypt/command.js';
import sign from './sign/command.js';
import mock from './mock/command.js';
import backend from './backend/command.js';
import exec from './exec/command.js';
import run from './run/command.js';

export type RegisterCommand = (program: Command, getCtx: () => CliContext) => void;

export const commands: RegisterCommand[] = [up, flow, audit, login, fixtures, decrypt, encrypt, sign, mock, backend, exec, run];
