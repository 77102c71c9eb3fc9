/**
 * The transport PSAM's reader slot (DOMAIN.md §1.3: the PSAM sits in a second slot of the validator's
 * reader). The terminal owns the reader driver; this object connects to the slot named by
 * `transit.samReader` (a name or part of one) on that driver, lazily, and hands the transit profiles a
 * Transmit for it (ProfileContext.sam).
 *
 * The Transmit is stable for one connection. When an exchange with the PSAM fails (removed, reset,
 * reader gone) the connection is dropped and the next call of `transmitter()` returns a NEW function:
 * the profile sees the change and identifies the PSAM again (PurchaseSam.identify, once per power-up).
 */
import type { Transmit } from '../../../../apdu/transceive';
import { ReaderError } from '../../../core/errors';
import type { CardConnection, ReaderDriver } from '../../../reader/types';

export class SamSlot {
  private driver: ReaderDriver | undefined;
  private conn: Promise<CardConnection> | undefined;
  private current: Transmit | undefined;

  constructor(readonly readerName: string) {}

  /** The slot of `transit.samReader`, or undefined when the terminal has no PSAM configured. */
  static fromConfig(config: { transit: { samReader?: string } }): SamSlot | undefined {
    return config.transit.samReader ? new SamSlot(config.transit.samReader) : undefined;
  }

  /** Is this reader the PSAM's slot? (Its card is never a tap.) */
  matches(reader: string): boolean {
    return reader.includes(this.readerName);
  }

  /** Called by the terminal once its reader driver exists. */
  attach(driver: ReaderDriver): void {
    this.driver = driver;
  }

  /** The PSAM's Transmit (undefined before the driver is attached). Bound: pass it as ProfileContext.sam. */
  readonly transmitter = (): Transmit | undefined => {
    if (!this.driver) return undefined;
    this.current ??= this.channel();
    return this.current;
  };

  private channel(): Transmit {
    const self: Transmit = async (command) => {
      let conn: CardConnection;
      try {
        conn = await (this.conn ??= this.connect());
      } catch (e) {
        this.drop(self);
        throw e;
      }
      try {
        return await conn.transmit(command);
      } catch (e) {
        this.drop(self);
        throw e;
      }
    };
    return self;
  }

  private async connect(): Promise<CardConnection> {
    const driver = this.driver!;
    const readers = await driver.listReaders();
    const r = readers.find((x) => this.matches(x.name));
    if (!r) throw new ReaderError('no-reader', `PSAM reader "${this.readerName}" not found (readers: ${readers.map((x) => x.name).join(', ') || 'none'}): check transit.samReader`);
    if (!r.cardPresent) throw new ReaderError('no-card', `no PSAM in reader "${r.name}": insert the terminal's PSAM`);
    return driver.connect(r.name);
  }

  /** Forget a failed connection (only if it is still the current one). */
  private drop(which: Transmit): void {
    if (this.current !== which) return;
    const old = this.conn;
    this.conn = undefined;
    this.current = undefined;
    void old?.then((c) => c.close()).catch(() => {});
  }
}
