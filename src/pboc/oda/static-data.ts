/**
 * The "static data to be authenticated" (EMV Book 3 §10.3): the records the AFL marks for offline data
 * authentication, in AFL order, then the values of the tags listed in 9F4A (only the AIP, 82, is
 * allowed there). For SFIs 1–10 the record's template 70 value counts (without tag and length); for
 * SFIs 11–30 the whole record. Anything else makes ODA fail ("static data invalid"), not the
 * transaction crash.
 */
import { concat } from '../../../apdu/hex';
import { decodeTlv } from '../../../apdu/tlv';
import { fail, type OdaStep } from './result';

export interface OdaRecord {
  sfi: number;
  /** The record as read (data without SW). */
  data: Uint8Array;
}

export function staticDataToAuthenticate(records: readonly OdaRecord[], sdaTagList: Uint8Array | undefined, aip: Uint8Array | undefined): OdaStep<{ data: Uint8Array }> {
  const parts: Uint8Array[] = [];
  for (const r of records) {
    if (r.sfi >= 1 && r.sfi <= 10) {
      let value: Uint8Array | undefined;
      try {
        const nodes = decodeTlv(r.data, { recurse: false, skipPadding: false });
        if (nodes.length === 1 && nodes[0]!.tag === 0x70) value = nodes[0]!.value;
      } catch {
        value = undefined;
      }
      if (!value) return fail('static-data-invalid', `record of SFI ${r.sfi} marked for offline authentication is not a template 70`);
      parts.push(value);
    } else {
      parts.push(r.data);
    }
  }
  if (sdaTagList && sdaTagList.length > 0) {
    if (sdaTagList.length !== 1 || sdaTagList[0] !== 0x82) return fail('static-data-invalid', 'the SDA tag list (9F4A) may only name the AIP (82)');
    if (!aip || aip.length !== 2) return fail('static-data-invalid', 'the SDA tag list names the AIP but the card gave none');
    parts.push(aip);
  }
  return { ok: true, data: concat(...parts) };
}
