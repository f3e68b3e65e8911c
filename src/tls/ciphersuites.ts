// The TLS cipher suites the device offers, in this order, in place of the SDK's ssl/ciphersuites
// (manifest.json excludes that one with "~"): ECDHE key exchange only, so every session has
// forward secrecy. The SDK's table always lists RSA key exchange first, which a server allowing it
// picks; IoTDA accepts only ECDHE suites anyway. Same entry shape as the SDK's; the host board's
// securesocket offers exactly these.
import { AES, CBC, ECDHE_RSA, GCM, SHA256 } from "ssl/constants";

// The SDK drives the ECDSA suite through its ECDHE_RSA code too (the key exchange is the same).
const ecdhe = { isExportable: false, keyExchangeAlgorithm: ECDHE_RSA, cipherAlgorithm: AES, cipherKeySize: 16, cipherBlockSize: 16, hashAlgorithm: SHA256, hashSize: 32 };
// GCM: an 8-byte explicit nonce per record after a 4-byte implicit salt.
const gcm = { encryptionMode: GCM, ivSize: 8, saltSize: 4 };

export default Object.freeze([
	Object.freeze({ value: Object.freeze([0xc0, 0x27]), ...ecdhe, encryptionMode: CBC }),	// TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
	Object.freeze({ value: Object.freeze([0xc0, 0x2f]), ...ecdhe, ...gcm }),				// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	Object.freeze({ value: Object.freeze([0xc0, 0x2b]), ...ecdhe, ...gcm }),				// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
]);
