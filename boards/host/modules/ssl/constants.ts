// Host stand-in for the SDK's "ssl/constants": the values src/tls/ciphersuites.ts reads, as the
// SDK defines them (modules/crypt/ssl/ssl_constants.js).
export const ECDHE_RSA = 6;
export const AES = 0;
export const SHA256 = 2;
export const CBC = 1;
export const GCM = 2;
