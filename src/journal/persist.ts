/**
 * The kernel runner's `persist` channel backed by the journal (src/kernel/step.ts: a kernel yields
 * `persist(name, record)` and gets back `{ seq }` once the record is durable).
 *
 * The record a kernel yields is a RecordInput without the service (the runtime knows which profile is
 * running) and optionally without the type (the step name is used: 'intent', 'result', …).
 */
import type { PersistReceipt } from '../kernel/step';
import type { Journal } from './journal';
import { JournalInputError } from './errors';
import type { RecordInput } from './record';

export type KernelRecord = Omit<RecordInput, 'service' | 'type'> & { type?: RecordInput['type']; service?: string };

export function journalPersist(journal: Journal, context: { service: string }): (name: string, record: unknown) => PersistReceipt {
  return (name, record) => {
    if (record === null || typeof record !== 'object') throw new JournalInputError('record', `kernel step "${name}" yielded ${record === null ? 'null' : typeof record}, expected a record object`);
    const r = record as KernelRecord;
    const { seq } = journal.append({ ...r, type: r.type ?? name, service: r.service ?? context.service });
    return { seq };
  };
}
