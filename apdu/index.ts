/** apdu/: pure ISO 7816-4 / BER-TLV. No Node imports, no native code; depends only on src/core. */
export * from './hex';
export * from './command';
export * from './response';
export * from './status-words';
export * from './transceive';
export * from './tlv';
export * from './tags';
export * from './dol';
export * from './codec';
