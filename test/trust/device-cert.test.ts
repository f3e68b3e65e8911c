// The device-certificate CLI and `npm start -- --client-cert --client-key` against the local IoTDA:
// a CA made by the CLI signs a device certificate, the platform registers its printed fingerprint,
// and the app on the host board logs in with it; another certificate of the same CA is refused.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "iotda-device-cert-test-"));
const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bin/iotda-device-cert.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

let certs: Certs;
let broker: Broker;
let fingerprint: string;

before(async () => {
	assert.equal(cli("--new-ca", "--out", dir).status, 0);
	const issued = cli("--ca-cert", join(dir, "device-ca.pem"), "--ca-key", join(dir, "device-ca.key.pem"), "--device-id", "cli-dev", "--out", dir);
	assert.equal(issued.status, 0, issued.stderr);
	fingerprint = issued.stdout.trim();
	assert.equal(cli("--ca-cert", join(dir, "device-ca.pem"), "--ca-key", join(dir, "device-ca.key.pem"), "--device-id", "other-dev", "--out", dir).status, 0);
	certs = generateCerts();
	writeFileSync(join(dir, "server-ca.pem"), certs.caPem);
	broker = await startBroker({ certs, deviceCas: [readFileSync(join(dir, "device-ca.pem"), "utf8")], devices: { "cli-dev": { fingerprint } } });
});

after(async () => {
	await broker.close();
	certs.cleanup();
	rmSync(dir, { recursive: true, force: true });
});

test("the CLI prints the certificate's SHA-256 and writes the key only its owner can read; it never overwrites", () => {
	assert.match(fingerprint, /^[0-9A-F]{64}$/);
	assert.equal(createHash("sha256").update(readFileSync(join(dir, "cli-dev.der"))).digest("hex").toUpperCase(), fingerprint);
	assert.equal(statSync(join(dir, "cli-dev.key.der")).mode & 0o777, 0o600);
	assert.equal(statSync(join(dir, "device-ca.key.pem")).mode & 0o777, 0o600);
	const again = cli("--ca-cert", join(dir, "device-ca.pem"), "--ca-key", join(dir, "device-ca.key.pem"), "--device-id", "cli-dev", "--out", dir);
	assert.equal(again.status, 2);
	assert.match(again.stderr, /^iotda-device-cert: --out: .*cli-dev\.der exists; not overwriting it\n$/);
	const bad = cli("--ca-cert", join(dir, "device-ca.pem"), "--ca-key", join(dir, "device-ca.pem"), "--device-id", "x", "--out", dir);
	assert.equal(bad.status, 2);
	assert.match(bad.stderr, /ca: needs the CA certificate and its private key, in PEM/);
	assert.match(cli("--device-id", "x", "--key-type", "dsa").stderr, /--key-type: must be rsa or ec/);
});

async function start(device: string): Promise<{ code: number | null; text: string }> {
	const child = spawn("npm", ["start", "--", "--host", "127.0.0.1", "--port", String(broker.port), "--ca", join(dir, "server-ca.pem"),
		"--server-name", "localhost", "--device-id", "cli-dev", "--client-cert", join(dir, `${device}.pem`), "--client-key", join(dir, `${device}.key.pem`), "--once"],
	{ cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, IOTDA_SECRET: "" } });
	let text = "";
	child.stdout.on("data", chunk => { text += chunk; });
	child.stderr.on("data", chunk => { text += chunk; });
	const [code] = await once(child, "exit");
	return { code, text };
}

test("npm start with the registered certificate connects by X.509: no secret needed", async () => {
	const { code, text } = await start("cli-dev");
	assert.equal(code, 0, text);
	assert.match(text, /^connected$/m);
	assert.match(text, /connecting to 127\.0\.0\.1:\d+ as cli-dev_0_0_\d{10}/);
});

test("npm start with another certificate of the same CA: CONNACK 4, not connected", async () => {
	const { code, text } = await start("other-dev");
	assert.equal(code, 1, text);
	assert.match(text, /not connected: CONNACK 4/);
});
