/**
 * The `reader` config section: which reader driver, which readers, and the timings the operator may
 * tune. Composed into the terminal's config file by the integrator (`reader: {...}`).
 */
import { z } from 'zod';
import { parseConfigSection } from '../src/core/config-section';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const readerConfigSchema = z
  .object({
    /** 'virtual': the in-process reader with an emulated card (the embedded default); 'pcsc': pcscd. */
    driver: z.enum(['pcsc', 'virtual']).default('virtual'),
    /**
     * Deadline for one APDU, ms. A silent card never answers; this is when we give up (CardError
     * 'mute'). Real cards answer in < 1 s even for RSA/SM2 operations; contactless exchanges in tens of ms.
     */
    apduTimeoutMs: ms(50, 60_000).default(3000),
    /** Default sharing of a connection (PC/SC): 'shared' lets pcsc-tools and others read alongside. */
    share: z.enum(['shared', 'exclusive']).default('shared'),
    /** Use only readers whose name contains one of these (case-insensitive). Empty: all readers. */
    include: z.array(z.string().min(1)).default([]),
    /** Ignore readers whose name contains one of these (case-insensitive), e.g. a SAM slot. */
    exclude: z.array(z.string().min(1)).default([]),
    /**
     * Contact/contactless by reader-name substring, where the name does not say (guessInterface reads
     * "PICC"/"CL"/"contactless"). First match wins.
     */
    interfaces: z.array(z.object({ match: z.string().min(1), interface: z.enum(['contact', 'contactless']) })).default([]),
    /** PC/SC device watcher (SCardGetStatusChange loop) and its recovery after pcscd restarts. */
    watch: z
      .object({
        /** Longest single wait for a change before re-checking, ms (also bounds how long a pool thread is held). */
        waitTimeoutMs: ms(100, 60_000).default(2000),
        /** First retry delay after pcscd vanished, ms; doubles up to backoffMaxMs. */
        backoffInitialMs: ms(10, 60_000).default(100),
        backoffMaxMs: ms(10, 300_000).default(3000),
      })
      .prefault({}),
    /**
     * After a card answered "removed"/nothing, pcscd may still report it present until its next
     * presence poll (≈ 0.44 s with vpcd; reader-dependent). For this long, or until pcscd reports a
     * change, the driver treats that reader as empty. ms.
     */
    removalGraceMs: ms(0, 10_000).default(1000),
    /** close() waits this long for a hung transmit before returning (the disconnect waits for it anyway). */
    closeGraceMs: ms(0, 60_000).default(1000),
    /**
     * The in-process readers of the 'virtual' driver (the embedded default), each optionally holding
     * an emulated card from fixtures/cards (by name) from the start.
     */
    virtual: z
      .object({
        readers: z
          .array(z.object({ name: z.string().min(1), interface: z.enum(['contact', 'contactless']).default('contact'), card: z.string().min(1).optional() }))
          .default([
            { name: 'Emulated Reader 00 00', interface: 'contact', card: 'ssc-3rd-zhengzhou' },
            { name: 'Emulated Contactless Reader 00 01', interface: 'contactless' },
          ]),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.watch.backoffMaxMs < c.watch.backoffInitialMs) {
      ctx.addIssue({ code: 'custom', path: ['watch', 'backoffMaxMs'], message: `must be >= watch.backoffInitialMs (${c.watch.backoffInitialMs})` });
    }
    const names = c.virtual.readers.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['virtual', 'readers'], message: `reader "${dup}" is listed twice` });
  });

export type ReaderConfig = z.infer<typeof readerConfigSchema>;

export const readerConfigDefaults: ReaderConfig = readerConfigSchema.parse({});

/** Parse the `reader` section; a ConfigError names the field and says why. */
export function parseReaderConfig(input: unknown): ReaderConfig {
  return parseConfigSection(readerConfigSchema, input ?? {}, 'reader');
}

/** The include/exclude filter of a reader name. */
export function readerSelected(name: string, cfg: Pick<ReaderConfig, 'include' | 'exclude'>): boolean {
  const n = name.toLowerCase();
  if (cfg.exclude.some((x) => n.includes(x.toLowerCase()))) return false;
  return cfg.include.length === 0 || cfg.include.some((x) => n.includes(x.toLowerCase()));
}
