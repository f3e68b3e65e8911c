// The SDK modules src/tls/ builds on, which the SDK declares no types for: ssl/constants, ssl/cert
// (mapped as ssl/sdk-cert, see src/tls/manifest.json), x509 and bin.
declare module "ssl/constants" {
	export const ECDHE_RSA: number;
	export const AES: number;
	export const SHA256: number;
	export const CBC: number;
	export const GCM: number;
}

declare module "ssl/sdk-cert" {
	export default class CertificateManager {
		constructor(options: object);
		verify(certs: Uint8Array[], options: object): boolean;
		/** Verifies `x509`'s signature with the public key `spki` (X509.decodeSPKI); throws for an unsupported algorithm. */
		_verify(spki: object, x509: object): boolean;
	}
}

declare module "x509" {
	const X509: {
		decode(certificate: ByteBuffer): { tbs: Uint8Array; algo: object; sig: ArrayBuffer; spki: object };
		/** issuer and subject: the DER of each Name, for comparing byte for byte. */
		decodeTBS(tbs: Uint8Array): { issuer: Uint8Array; subject: Uint8Array; validity: { from: number; to: number } };
		decodeSPKI(certificate: ByteBuffer): object;
		/** subjectAltName entries: tag 2 dNSName (a string), 7 iPAddress (bytes), ... */
		decodeSAN(certificate: ByteBuffer): { tag: number; value: string | ArrayBuffer }[] | undefined;
		/** The DER value of the extension with this object identifier (e.g. [2, 5, 29, 19]), if present. */
		decodeExtension(certificate: ByteBuffer, oid: number[]): ArrayBuffer | undefined;
	};
	export default X509;
}

declare module "bin" {
	const Bin: {
		/** 0 when the two hold the same bytes. */
		comp(a: ByteBuffer, b: ByteBuffer): number;
	};
	export default Bin;
}
