// What a SecureSocket of the device is given: the trust set (src/tls/trust.ts makes it from the
// settings) and the name the server's certificate must carry. One place, so the MQTT socket and the
// OTA download trust the same certificates and make the same checks.

// The CA certificates (DER) a server's chain may lead to, for src/tls/cert.ts (our ssl/cert).
export type TrustSet = readonly ByteBuffer[];

// A SecureSocket's `secure` dictionary.
export interface SecureOptions {
	readonly trustedCertificates: TrustSet;
	readonly protocolVersion: number;
	readonly serverName: string;
	readonly verify: boolean;
}

// The `secure` dictionary of a SecureSocket that trusts `trust` and checks `serverName` (also the SNI).
export function secureOptions(trust: TrustSet, serverName: string): SecureOptions {
	return {
		trustedCertificates: trust,
		protocolVersion: 0x303,		// TLS 1.2 (IoTDA's minimum)
		serverName,
		verify: true,
	};
}
