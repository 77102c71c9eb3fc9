/**
 * Social security application (SSSE) constants — DOMAIN.md §1.1 (from the MoHRSS card file structure
 * as published by open-source readers; the spec itself is not freely available).
 */
import { fromHex } from '../../apdu/hex';

/** DF name "sx1.sh." ‖ GBK "社会保障". */
export const SSSE_DF_NAME = fromHex('7378312E73682EC9E7BBE1B1A3D5CF');

/** MoHRSS RID and sub-application AIDs (public, employment, social insurance, medical, personnel). */
export const MOHRSS_RID = fromHex('D156000005');
export const SSSE_SUB_APPS = {
  public: fromHex('D15600000500'),
  employment: fromHex('D15600000501'),
  socialInsurance: fromHex('D15600000502'),
  medicalInsurance: fromHex('D15600000503'),
  personnel: fromHex('D15600000504'),
} as const;

/** EF05 card data: SFI 5, FID EF05; EF06 holder data: SFI 6, FID EF06. */
export const EF05 = { sfi: 5, fid: 0xef05 } as const;
export const EF06 = { sfi: 6, fid: 0xef06 } as const;

/** Record tags of EF05 (card data). */
export const EF05_TAG = {
  cardId: 0x01,
  cardType: 0x02,
  specVersion: 0x03,
  institution: 0x04,
  issueDate: 0x05,
  expiry: 0x06,
  cardNumber: 0x07,
} as const;

/** Record tags of EF06 (holder data — personal information, protected). */
export const EF06_TAG = {
  idNumber: 0x08,
  name: 0x09,
  sex: 0x0a,
  ethnicity: 0x0b,
  birthPlace: 0x0c,
  birthDate: 0x0d,
} as const;

/**
 * Record 3 of EF06 on 2nd/3rd-generation cards holds a name extension; its tag is not in any public
 * source we have (unconfirmed). The emulator uses this value; the parser ignores unknown tags.
 */
export const EF06_NAME_EXTENSION_TAG_ASSUMED = 0x4e;
