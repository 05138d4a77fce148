// Every command's definition, in the order `wxlogin --help` lists them. A definition registers options, help and an
// example, and imports its implementation lazily inside the action.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import up from './up.js';
import flow from './flow.js';
import login from './login.js';
import fixtures from './fixtures.js';
import decrypt from './decrypt.js';
import encrypt from './encrypt.js';
import sign from './sign.js';
import mock from './mock.js';
import backend from './backend.js';

export type RegisterCommand = (program: Command, getCtx: () => CliContext) => void;

export const commands: RegisterCommand[] = [up, flow, login, fixtures, decrypt, encrypt, sign, mock, backend];
