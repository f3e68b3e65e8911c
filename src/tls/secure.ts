// What a SecureSocket of the device is given: the trust set (src/tls/trust.ts makes it from the
// settings) and the name the server's certificate must carry. One place, so the MQTT socket and the
// OTA download trust the same certificates and make the same checks.

// The CA certificates (DER) a server's chain may lead to, for src/tls/cert.ts (our ssl/cert).
export type TrustSet = readonly ByteBuffer[];

// The device's own certificate, for a server that asks for one (IoTDA's X.509 authentication):
// the certificate first, then any intermediates, and its private key as PKCS#8 DER. Moddable's TLS
// signs the handshake with PKCS#1 v1.5 only (ssl_handshake.js certificateVerify, pkcs8.js "RSA
// only"), so the key must be RSA: an EC key fails the handshake.
export interface ClientCertificate {
	readonly certificates: readonly ByteBuffer[];
	readonly key: ByteBuffer;
}

// A SecureSocket's `secure` dictionary. protocolVersion is given although 0x303 is the SDK's default:
// it is also the lowest version the SDK's TLS accepts from the server (ssl/session
// minProtocolVersion), 0x301 without it. verify is left to its default, true (src/tls/cert.ts):
// the SDK's TLS session keeps a copy of this dictionary through the handshake, a slot per key on XS.
export interface SecureOptions {
	readonly trustedCertificates: TrustSet;
	readonly protocolVersion: number;
	readonly serverName: string;
	readonly clientCertificates?: readonly ByteBuffer[];
	readonly clientKey?: ByteBuffer;
}

// The `secure` dictionary of a SecureSocket that trusts `trust` and checks `serverName` (also the
// SNI), presenting `client` when the server asks for a certificate.
// The client keys only with a client: the SDK copies every key into its TLS session's options
// twice, where each is a slot on XS through the handshake.
export function secureOptions(trust: TrustSet, serverName: string, client?: ClientCertificate): SecureOptions {
	const secure = {
		trustedCertificates: trust,
		protocolVersion: 0x303,		// TLS 1.2 (IoTDA's minimum), and no lower from the server
		serverName,
	};
	return client ? { ...secure, clientCertificates: client.certificates, clientKey: client.key } : secure;
}
