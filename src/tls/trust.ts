// The trust set: the CA certificates (DER) a server's chain may lead to, one value for every TLS
// socket the device opens (MQTT, the OTA download). By default the public roots IoTDA's endpoints
// chain to (certs/roots, bundled as resources by manifest.json); settings.ca names the entries:
//   "roots"   the bundled roots
//   "x.der"   any DER resource of the build (a private deployment's CA)
//   "@key"    a DER certificate stored in Preference "iotda" under key (provisioned, no rebuild)
// The SDK's SecureSocket takes a single `secure.certificate`, and its only way to more is a
// process-wide CertificateManager.register with no way back; src/tls/cert.ts (our ssl/cert) reads
// `secure.trustedCertificates` instead, an array per socket, which the SDK hands it untouched.
import Resource from "Resource";
import type { TrustSet } from "./secure";

// The bundled roots' resource names: certs/roots/roots.json lists the same files (a test checks it).
export const ROOTS: readonly string[] = Object.freeze([
	"digicert-global-root-ca.der",
	"globalsign-root-r3.der",
	"globalsign-root-r46.der",
	"globalsign-root-r6.der",
	"digicert-global-root-g2.der",
]);

// The entries of settings.ca as certificates; throws naming "ca" and the entry, never a value.
export function loadTrust(names: readonly string[], stored: (key: string) => unknown): TrustSet {
	const trust: ByteBuffer[] = [];
	for (const name of names) {
		if ("roots" === name) {
			for (const root of ROOTS)
				trust.push(resource(root, "the bundled root"));
		}
		else if (name.startsWith("@")) {
			const value = stored(name.slice(1));
			if (!(value instanceof ArrayBuffer) || !isDer(value))
				throw new Error(`ca: ${name}: Preference "iotda" key ${name.slice(1)} must hold a DER certificate`);
			trust.push(value);
		}
		else
			trust.push(resource(name, "resource"));
	}
	return trust;
}

function resource(name: string, what: string): ByteBuffer {
	if (!Resource.exists(name))
		throw new Error(`ca: ${what} ${name} not found (add the CA certificate in DER form to the manifest's resources)`);
	const der = new Resource(name);
	if (!isDer(der))
		throw new Error(`ca: resource ${name} is not a DER certificate (convert PEM with openssl x509 -outform der)`);
	return der;
}

// A DER SEQUENCE whose length fills the buffer: what a certificate is, and what PEM text is not.
function isDer(buffer: ByteBuffer): boolean {
	const bytes = new Uint8Array(buffer as ArrayBuffer);
	if ((bytes.length < 4) || (0x30 !== bytes[0]))
		return false;
	const size = bytes[1];
	if (size < 0x80)
		return 2 + size === bytes.length;
	const count = size & 0x7f;
	let length = 0;
	for (let i = 0; i < count; i++)
		length = (length * 256) + (bytes[2 + i] ?? 0);
	return (count > 0) && (count <= 3) && (2 + count + length === bytes.length);
}
