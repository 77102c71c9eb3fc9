/**
 * The small output interface: the gate relay and the buzzer. The display is driven by the DisplayHub.
 * A relay here is either nothing, a log line, or an operator-configured command (e.g. a GPIO tool).
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../log/logger';
import type { TerminalConfig } from './config';

export class Outputs {
  constructor(
    private readonly cfg: TerminalConfig['outputs'],
    private readonly log: Logger,
  ) {}

  approved(): void {
    this.openGate();
    if (this.cfg.buzzer === 'bell') process.stderr.write('\x07');
  }

  declined(): void {
    if (this.cfg.buzzer === 'bell') process.stderr.write('\x07\x07');
  }

  private openGate(): void {
    const g = this.cfg.gate;
    if (g.kind === 'none') return;
    if (g.kind === 'log') {
      this.log.info('gate open', { ms: g.openMs });
      return;
    }
    const [cmd, ...args] = g.command ?? [];
    if (!cmd) return;
    const p = spawn(cmd, [...args, String(g.openMs)], { stdio: 'ignore' });
    p.on('error', (e) => this.log.error('gate command failed', { error: e.message }));
    p.unref();
  }
}
