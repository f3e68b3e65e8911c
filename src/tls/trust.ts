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
import type { ClientCertificate, TrustSet } from "./secure";

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
	return load("ca", names, stored);
}

// The device certificate (then intermediates) and its PKCS#8 key, named by settings.clientCert and
// settings.clientKey as ca's entries are (a resource or "@key"; keep the key in NVS, which can be
// encrypted, rather than in the firmware image).
export function loadClientCertificate(certificates: readonly string[], key: string, stored: (key: string) => unknown): ClientCertificate {
	return { certificates: load("clientCert", certificates, stored), key: load("clientKey", [key], stored)[0] };
}

function load(setting: string, names: readonly string[], stored: (key: string) => unknown): ByteBuffer[] {
	const found: ByteBuffer[] = [];
	for (const name of names) {
		if (("roots" === name) && ("ca" === setting)) {
			for (const root of ROOTS)
				found.push(resource(setting, root, "the bundled root"));
		}
		else if (name.startsWith("@")) {
			const value = stored(name.slice(1));
			if (!(value instanceof ArrayBuffer) || !isDer(value))
				throw new Error(`${setting}: ${name}: Preference "iotda" key ${name.slice(1)} must hold DER`);
			found.push(value);
		}
		else
			found.push(resource(setting, name, "resource"));
	}
	return found;
}

function resource(setting: string, name: string, what: string): ByteBuffer {
	if (!Resource.exists(name))
		throw new Error(`${setting}: ${what} ${name} not found (add the file in DER form to the manifest's resources)`);
	const der = new Resource(name);
	if (!isDer(der))
		throw new Error(`${setting}: resource ${name} is not DER (convert PEM with openssl)`);
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
