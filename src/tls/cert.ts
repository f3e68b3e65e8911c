// The device's server-certificate check, in place of the SDK's CertificateManager.verify (manifest.json
// maps this module as ssl/cert; src/tls/manifest.json, included before the SDK's tls.json, names the
// SDK's file ssl/sdk-cert before the SDK's "ssl/*" can name it ssl/cert). The SDK's verify skips a
// certificate that the next one did not sign and then checks only the last one against the trusted
// CA: a chain of a self-made leaf and the real, public CA certificate passed, so anyone on the path
// could stand in for IoTDA. Here every certificate must be signed by the next one, up to the first
// one sent that is trusted itself, and the last by a trusted certificate; every one that signs
// another must be a CA certificate; every date must hold; and the name is matched, as the SDK
// matches it, against the leaf's subjectAltName only.
// As the SDK, a leaf sent without its issuer is refused.
import Bin from "bin";
import CertificateManager from "ssl/sdk-cert";
import X509 from "x509";

// What the TLS session was made with: verify() is handed the same options again (the session's copy),
// so the checker keeps no fields of its own through the handshake.
interface Options {
	certificate?: ByteBuffer;
	trustedCertificates?: readonly ByteBuffer[];
	verify?: boolean;
	tls_server_name?: string;
}

export default class CertificateChecker extends CertificateManager {
	// `certificate` is the SDK's single trusted certificate (its dates checked here, throwing);
	// `trustedCertificates` the trust set (src/tls/trust.ts), whose members' dates count only when
	// one is the chain's anchor: one root past its end must not take the others with it.
	constructor(options: Options) {
		super(options);		// throws "date validation failed" for a trusted certificate out of its dates
		const set = options.trustedCertificates ?? [];
		if (!Array.isArray(set))
			throw new Error("trustedCertificates: must be an array of DER certificates");
		for (const certificate of set)
			X509.decode(view(certificate));		// throws "x509: malformed input", as for `certificate`
	}

	verify(certs: Uint8Array[], options: Options): boolean {
		if (!(options.verify ?? true))
			return true;
		const set = options.trustedCertificates ?? [];
		const trusted = options.certificate ? [options.certificate, ...set] : set;
		const name = options.tls_server_name?.toLowerCase();
		if (!name || (certs.length < 2))
			return refuse(`subjectAltName match failed for ${name}`);
		const now = Date.now();
		for (let i = 0; i < certs.length; i++) {
			const x509 = X509.decode(certs[i]);
			// Only these two of the TBS: the rest would be live through the signature check.
			const { validity, issuer } = X509.decodeTBS(x509.tbs);
			if (!((validity.from < now) && (now < validity.to)))
				return refuse("date validation failed on received certificate");
			// A trusted certificate the server sent ends the path, an intermediate as well as a root
			// (RFC 5280 6.1: any trusted certificate is an anchor); what follows it needs no check.
			if (i && trusted.some(certificate => !Bin.comp(certs[i], certificate)))
				break;
			const last = i === certs.length - 1;
			if (i && !isCA(certs[i]))
				return refuse("certificate: an issuer in the chain is not a CA certificate");
			if (last ? !this.anchored(trusted, x509, issuer, now) : !this._verify(X509.decodeSPKI(certs[i + 1]), x509))
				return refuse(last ? "certificate: not signed by a trusted certificate" : "certificate: not signed by the next one in the chain");
		}
		return X509.decodeSAN(certs[0])?.some(entry => matches(entry, name)) || refuse(`subjectAltName match failed for ${name}`);
	}

	// Whether a trusted certificate named `issuer`, valid now, signed `x509`. The name picks the
	// candidates, so one handshake verifies one signature here, not one per root.
	private anchored(set: readonly ByteBuffer[], x509: object, issuer: Uint8Array, now: number): boolean {
		for (const trusted of set) {
			const { subject, validity } = X509.decodeTBS(X509.decode(view(trusted)).tbs);
			if (Bin.comp(subject, issuer))
				continue;
			if (!((validity.from < now) && (now < validity.to)))
				trace("date validation failed on trusted certificate\n");
			else if (this._verify(X509.decodeSPKI(trusted), x509))
				return true;
		}
		return false;
	}
}

// A dNSName equal to the name or "*" standing for its left-most label; an IPv4 iPAddress.
function matches({ tag, value }: { tag: number; value: string | ArrayBuffer }, name: string): boolean {
	if ((2 === tag) && (typeof value === "string")) {
		const entry = value.toLowerCase();
		const dot = name.indexOf(".");
		return (entry === name) || (entry.startsWith("*.") && (dot > 0) && (entry.slice(1) === name.slice(dot)));
	}
	return (7 === tag) && (typeof value !== "string") && (4 === value.byteLength) && (new Uint8Array(value).join(".") === name);
}

// basicConstraints cA TRUE and, when keyUsage is present, keyCertSign (RFC 5280 4.2.1.9, 4.2.1.3).
// Without this, the key of any leaf the trusted CA (or one of its intermediates) issued, say a
// website's, could sign a certificate for the IoTDA host name. DER: 30 len 01 01 FF ..., 03 len unused bits.
function isCA(certificate: Uint8Array): boolean {
	const constraints = X509.decodeExtension(certificate, [2, 5, 29, 19]);
	const basic = new Uint8Array(constraints ?? new ArrayBuffer(0));
	if (!((0x30 === basic[0]) && (0x01 === basic[2]) && (0x01 === basic[3]) && basic[4]))
		return false;
	const usage = X509.decodeExtension(certificate, [2, 5, 29, 15]);
	return !usage || !!(new Uint8Array(usage)[3] & 0x04);
}

// X509.decode takes an ArrayBuffer or a Uint8Array, not a HostBuffer (a Resource): a view, no copy.
function view(buffer: ByteBuffer): Uint8Array {
	return ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer as ArrayBuffer);
}

// As the SDK does, the reason goes to the trace; the handshake then fails with -2.
function refuse(reason: string): false {
	trace(`${reason}\n`);
	return false;
}
