/** Every `ykt` command, in help order. Add a command: write commands/<name>.ts and list it here. */
import type { Command } from '../command';

export const commands: Command[] = [];
