/** Every `ykt` command, in help order. Add a command: write commands/<name>.ts and list it here. */
import type { Command } from '../command';
import { cardReadCommand } from './card-read';
import { demoCommand } from './demo';
import { readersCommand } from './readers';

export const commands: Command[] = [
  demoCommand,
  readersCommand,
  cardReadCommand,
];
