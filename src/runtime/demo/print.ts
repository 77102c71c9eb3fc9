/**
 * How `ykt demo` prints what it plays: one line per decision, as the operator would want to read it —
 * outcome, the plain reason, amount and concession, balance, the masked identifier, the journal
 * sequence number it is durable under, and the tap-to-decision time. Personal data never appears
 * unmasked (DecisionEvent carries masked identifiers only).
 */
import { formatYuan } from '../../core/money';
import type { DecisionEvent } from '../events';
import type { Terminal } from '../terminal';
import type { DemoSegment, Expect } from './script';

const OUTCOME: Record<DecisionEvent['outcome'], string> = { approved: 'APPROVED', declined: 'DECLINED', 'cannot-decide': 'CANNOT DECIDE' };

export function formatSegmentHeader(seg: DemoSegment, t: Terminal): string {
  return `${seg.title}\n  terminal ${seg.terminalId} (profile ${t.profileName}) ready in ${t.readyMs.toFixed(0)} ms${t.displayUrl ? `, display ${t.displayUrl}/` : ''}`;
}

export function formatDecision(label: string, ev: DecisionEvent, differs?: Expect): string {
  const money: string[] = [];
  if (ev.amountFen !== undefined) {
    money.push(`¥${formatYuan(ev.amountFen)}`);
    if (ev.fullAmountFen !== undefined && ev.fullAmountFen !== ev.amountFen) money.push(`(full ¥${formatYuan(ev.fullAmountFen)}${ev.concession ? `, ${ev.concession}` : ''})`);
    else if (ev.concession && ev.concession !== 'standard') money.push(`(${ev.concession})`);
  }
  if (ev.balanceFen !== undefined) money.push(`balance ¥${formatYuan(ev.balanceFen)}`);
  const message = ev.message.length > 90 ? ev.message.slice(0, 89) + '…' : ev.message;
  const parts = [
    `  ${label.padEnd(52)} → ${OUTCOME[ev.outcome].padEnd(8)} ${ev.reason}: ${message}`,
    money.join(' '),
    ev.maskedId ?? '',
    `#${ev.seq}`,
    ev.device === 'operator' ? '' : `${(ev.latency.total ?? 0).toFixed(1)} ms`,
  ].filter(Boolean);
  const line = parts.join('  ');
  return differs ? `${line}\n    ✗ the script expected ${differs.outcome}${differs.reason ? ` (${differs.reason})` : ''}` : line;
}
