/** Every `ykt` command, in help order. Add a command: write commands/<name>.ts and list it here. */
import type { Command } from '../command';
import { cardReadCommand } from './card-read';
import { demoCommand } from './demo';

export const commands: Command[] = [
  demoCommand,
  cardReadCommand,
];
