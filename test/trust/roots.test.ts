// The public roots the firmware trusts by default (certs/roots/): each file is the certificate
// its SHA-256 fingerprint names, self-signed, a CA, and, where Debian's ca-certificates is
// installed, byte for byte the copy in Mozilla's store.
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../certs/roots/", import.meta.url));
const STORE = "/usr/share/ca-certificates";
const roots: { file: string; name: string; sha256: string; notAfter: string; key: string; debian: string }[] =
	JSON.parse(readFileSync(join(DIR, "roots.json"), "utf8"));

// The fingerprints IoTDA's endpoints and Huawei's SDKs are known by (issue 11), written here
// independently of roots.json.
const EXPECTED = [
	"4348A0E9444C78CB265E058D5E8944B4D84F9662BD26DB257F8934A443C70161",	// DigiCert Global Root CA
	"CBB522D7B7F127AD6A0113865BDF1CD4102E7D0759AF635A7CF4720DC963C53B",	// GlobalSign Root CA - R3
	"4FA3126D8D3A11D1C4855A4F807CBAD6CF919D3A5A88B03BEA2C6372D93C40C9",	// GlobalSign Root R46
	"2CABEAFE37D06CA22ABA7391C0033D25982952C453647349763A3AB5AD6CCF69",	// GlobalSign Root CA - R6
	"CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F",	// DigiCert Global Root G2
];

test("every committed root is the certificate its fingerprint names: self-signed CA, named and dated as listed", () => {
	assert.deepEqual(roots.map(root => root.sha256), EXPECTED);
	assert.deepEqual(readdirSync(DIR).sort(), [...roots.map(root => root.file), "roots.json"].sort(), "nothing else in certs/roots");
	for (const root of roots) {
		const der = readFileSync(join(DIR, root.file));
		assert.equal(createHash("sha256").update(der).digest("hex").toUpperCase(), root.sha256, root.file);
		const certificate = new X509Certificate(der);
		assert.ok(certificate.ca, `${root.name}: a CA`);
		assert.ok(certificate.verify(certificate.publicKey), `${root.name}: self-signed`);
		assert.equal(certificate.subject, certificate.issuer, root.name);
		// GlobalSign's R3 and R6 carry their name in the OU (their CN is "GlobalSign")
		assert.ok(certificate.subject.split("\n").some(field => field === `CN=${root.name}` || field === `OU=${root.name}`), certificate.subject);
		assert.equal(certificate.validTo, root.notAfter, root.name);
		assert.equal(root.key, certificate.publicKey.asymmetricKeyType === "rsa"
			? `RSA ${certificate.publicKey.asymmetricKeyDetails!.modulusLength}` : "EC", root.name);
	}
});

test("each root is the one in Debian's ca-certificates (Mozilla's store), where that is installed", (t) => {
	if (!existsSync(join(STORE, "mozilla"))) {
		t.skip("Debian's ca-certificates is not installed: the fingerprints above still hold");
		return;
	}
	for (const root of roots) {
		const path = join(STORE, root.debian);
		if (!existsSync(path)) {
			t.diagnostic(`${root.name} is no longer in ${STORE}: Mozilla may have removed it; the committed copy stays`);
			continue;
		}
		assert.deepEqual(new X509Certificate(readFileSync(path)).raw, readFileSync(join(DIR, root.file)), root.name);
	}
});

test("the firmware bundles exactly these roots: the module manifest's resources and the device's list of them", async () => {
	await import("../../boards/host/register");
	const { ROOTS } = await import("../../src/tls/trust");
	const files = roots.map(root => root.file);
	assert.deepEqual(ROOTS, files, "src/tls/trust.ts ROOTS");
	const manifest = JSON.parse(readFileSync(new URL("../../modules/iotda/manifest.json", import.meta.url), "utf8"));
	assert.deepEqual(manifest.resources["*"], files.map(file => `../../certs/roots/${file.replace(/\.der$/, "")}`), "modules/iotda/manifest.json resources");
	assert.deepEqual(manifest.config.iotda.ca, ["roots"], "trusted by default");
});
