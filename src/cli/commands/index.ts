/** Every `ykt` command, in help order. Add a command: write commands/<name>.ts and list it here. */
import type { Command } from '../command';
import { cardReadCommand } from './card-read';
import { demoCommand } from './demo';
import { startCommand } from './start';
import { configCheckCommand } from './config-check';
import { journalExportCommand, journalLsCommand, journalVerifyCommand } from './journal';
import { syncCommand } from './sync';
import { readersCommand } from './readers';
import { imageCommands } from './image';
import { hotlistImportCommand } from './hotlist-import';
import { rideCommand } from './ride';
import { payCommand } from './pay';
import { ecodeCommands } from './ecode';
import { scanCommand } from './scan';

export const commands: Command[] = [
  startCommand,
  demoCommand,
  configCheckCommand,
  readersCommand,
  cardReadCommand,
  journalLsCommand,
  journalExportCommand,
  journalVerifyCommand,
  syncCommand,
  ...imageCommands,
  hotlistImportCommand,
  rideCommand,
  payCommand,
  ...ecodeCommands,
  scanCommand,
];
