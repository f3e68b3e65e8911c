// `npm start`: the device app on the host board against a local IoTDA broker.
//   npm start              runs until Ctrl-C, streaming "[app]" trace and "[broker]" log lines
//   npm start -- --once    exits 0 (printing "connected") once the broker accepted the device
//                          (CONNACK 0) and received a property report; non-zero after 30 s
// A demo device is registered with a secret made here and never printed; the app reads it from
// its preferences file (the host's NVS), the way a provisioned device reads it from flash.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { generateCerts } from "../../broker/certs";
import { startBroker } from "../../broker/server";
import { bundleApp } from "./bundle";

const ONCE_TIMEOUT_MS = 30_000;
const DEVICE_ID = "demo-device";
const once = process.argv.includes("--once");

// In build/, one level below the repo like dist/: lib/signer.ts finds build/core.wasm from there.
const root = fileURLToPath(new URL("../../", import.meta.url));
const app = join(root, "build", `host-app-${process.pid}.mjs`);
await bundleApp(join(root, "src/main.ts"), app);		// first: a build error leaves nothing running

const secret = randomBytes(18).toString("base64url");
const dir = mkdtempSync(join(tmpdir(), "iotda-host-"));		// mode 0700: holds the secret
const certs = generateCerts();
const broker = await startBroker({
	devices: { [DEVICE_ID]: { secret } },
	certs,
	log: line => console.log(`[broker] ${line}`),
});

// What a device build gets from the manifest (resources, config) and from provisioning (NVS).
const resources = join(dir, "resources");
mkdirSync(resources);
writeFileSync(join(resources, "iotda-ca.der"), certs.caDer);
const preferences = join(dir, "preferences.json");
writeFileSync(preferences, JSON.stringify({ iotda: { deviceId: DEVICE_ID, secret } }), { mode: 0o600 });
const config = {
	sntp: "pool.ntp.org",
	iotda: { host: broker.host, port: broker.port, ca: "iotda-ca.der", keepalive: 120, reportInterval: 60, retryCapMs: 10_000 },
};

const child = spawn(process.execPath, ["--enable-source-maps", app], {
	env: { ...process.env, HOST_CONFIG: JSON.stringify(config), HOST_PREFERENCES: preferences, HOST_RESOURCES: resources },
	stdio: ["ignore", "pipe", "pipe"],
});
createInterface({ input: child.stdout }).on("line", line => console.log(`[app] ${line}`));
createInterface({ input: child.stderr }).on("line", line => console.error(`[app] ${line}`));

let finished = false;
async function finish(code: number, message?: string): Promise<void> {
	if (finished)
		return;
	finished = true;
	if (message)
		(code ? console.error : console.log)(message);
	child.removeAllListeners("exit");
	child.kill();
	await broker.close();
	certs.cleanup();
	rmSync(dir, { recursive: true, force: true });
	rmSync(app, { force: true });
	process.exit(code);
}

child.on("exit", (code, signal) => finish(1, `app exited (${signal ?? `code ${code}`})`));
process.once("SIGINT", () => finish(0));
process.once("SIGTERM", () => finish(0));

if (once) {
	let accepted = false;
	broker.events.on("client", ({ deviceId }) => accepted ||= deviceId === DEVICE_ID);
	broker.events.on("publish", ({ deviceId, topic }) => {
		if (accepted && deviceId === DEVICE_ID && topic === `$oc/devices/${DEVICE_ID}/sys/properties/report`)
			finish(0, "connected");
	});
	setTimeout(() => finish(1, `not connected within ${ONCE_TIMEOUT_MS / 1000} s`), ONCE_TIMEOUT_MS).unref();
}
