// `npm start`: the device app on the host board.
//   npm start                     against an embedded local IoTDA (MQTTS, and its HTTP API on 8080
//                                 or a free port, for iotda-local), until Ctrl-C
//   npm start -- --host H --port P [--ca FILE] [--server-name N] --device-id ID
//                                 against any MQTTS broker (your IoTDA instance); secret from IOTDA_SECRET;
//                                 the server's chain must lead to a bundled root (certs/roots), or with
//                                 --ca to that CA only (a private broker)
//   ... --client-cert FILE --client-key FILE   (with --host) IoTDA's X.509 authentication instead of
//                                 the secret: the device certificate and its key (PEM or DER; RSA,
//                                 as Moddable's TLS signs with RSA only), stored as the device's NVS would
//   --target esp32|esp32c3|esp32s3   the board profile (default esp32c3): its mc/config and lwIP figures
//   --example demo|minimal        the app: examples/<name>/manifest.json (default demo)
//   --once                        exit 0 ("connected") after CONNACK 0 and the PUBACK of the first
//                                 property report; non-zero with the reason otherwise, within 30 s
//   --bootstrap                   IoTDP bootstrap: the device asks the provisioning service for its IoTDA
//                                 address first (stored in its preferences; with --state-dir it survives a
//                                 restart); --host/--port/--server-name then name the provisioning endpoint,
//                                 and without --host the embedded local IoTDA plays it (IoTDA on 8883 and
//                                 the provisioning service on 8884 when free, else free ports)
//   --state-dir DIR               keep the host's preferences (NVS) and OTA slots in DIR across runs
//                                 (default: a temporary directory, removed on exit); an OTA restart
//                                 launches the app again on the same directory
// The secret reaches the app through its preferences file (the host's NVS), the way a provisioned
// device reads it from flash, and is never printed.
import { type ChildProcess, spawn } from "node:child_process";
import { createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateCerts } from "../../broker/certs";
import { DEFAULT_HTTP_PORT } from "../../broker/http";
import { startBroker } from "../../broker/server";
import { bundleManifest } from "./bundle";
import { copyResources } from "./resources";
import { RESTART_EXIT_CODE } from "./restart";
import { buildConfig, DEFAULT_TARGET, loadTarget, platformOf, type Target } from "./target";

const ONCE_TIMEOUT_MS = 30_000;
const LOCAL_DEVICE = "demo-device";
const PRIVATE_CA = "private-ca.der";		// the resource --ca (or the embedded broker's CA) becomes
const LOCAL_PORTS = { iotda: 8883, provisioning: 8884 };	// the local --bootstrap's, kept across runs: a stored address stays good
const USAGE = "usage: npm start -- [--target esp32|esp32c3|esp32s3] [--example demo|minimal] [--once] [--state-dir DIR] [--bootstrap] " +
	"[--host H --port P [--ca FILE(PEM or DER)] [--server-name N] --device-id ID [--client-cert FILE --client-key FILE]]" +
	"   (secret in IOTDA_SECRET unless --client-cert)";

function fail(message: string): never {
	console.error(`start: ${message}\n${USAGE}`);
	process.exit(2);
}

function parse() {
	try {
		return parseArgs({
			options: {
				target: { type: "string", default: DEFAULT_TARGET },
				example: { type: "string", default: "demo" },
				host: { type: "string" },
				port: { type: "string" },
				ca: { type: "string" },
				"server-name": { type: "string" },
				"device-id": { type: "string" },
				"client-cert": { type: "string" },
				"client-key": { type: "string" },
				once: { type: "boolean", default: false },
				bootstrap: { type: "boolean", default: false },
				"state-dir": { type: "string" },
			},
			strict: true,
		}).values;
	}
	catch (error) {
		fail((error as Error).message.split("\n")[0]);
	}
}
const options = parse();
const { host, once, bootstrap } = options;
let target: Target;
try {
	target = loadTarget(options.target);
}
catch (error) {
	fail((error as Error).message);
}

// The CA for the app's resources, in DER as the device takes it.
function readCa(path: string): Uint8Array {
	try {
		return new Uint8Array(new X509Certificate(readFileSync(path)).raw);
	}
	catch (error) {
		fail(`--ca: ${path} is not a readable X.509 certificate in PEM or DER (${(error as Error).message})`);
	}
}

// The device certificate and key as the device's Preference holds them (DER, the key PKCS#8).
function readClient(certPath: string, keyPath: string) {
	let key;
	try {
		const bytes = readFileSync(keyPath);
		key = bytes.includes("-----BEGIN") ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
	}
	catch (error) {
		fail(`--client-key: ${keyPath} is not a readable private key in PEM or PKCS#8 DER (${(error as Error).message})`);
	}
	if (key.asymmetricKeyType !== "rsa")
		fail(`--client-key: ${keyPath} is a ${key.asymmetricKeyType} key; Moddable's TLS signs the handshake with RSA only`);
	let cert;
	try {
		cert = new X509Certificate(readFileSync(certPath));
	}
	catch (error) {
		fail(`--client-cert: ${certPath} is not a readable X.509 certificate in PEM or DER (${(error as Error).message})`);
	}
	if (!cert.checkPrivateKey(key))
		fail(`--client-key: ${keyPath} is not the key of ${certPath}`);
	const base64 = (der: Buffer) => ({ base64: der.toString("base64") });
	return { clientCert: "@devcert", clientKey: "@devkey", devcert: base64(cert.raw), devkey: base64(key.export({ type: "pkcs8", format: "der" })) };
}

// Either the embedded broker with a demo device, or the broker the user names.
async function brokerSide() {
	if (host === undefined) {
		for (const name of ["port", "ca", "server-name", "device-id", "client-cert", "client-key"] as const)
			if (options[name] !== undefined)
				fail(`--${name}: only with --host`);
		const secret = randomBytes(18).toString("base64url");
		const certs = generateCerts();
		const local = {
			devices: { [LOCAL_DEVICE]: { secret } }, certs, log: (line: string) => console.log(`[broker] ${line}`),
			...(bootstrap && { port: LOCAL_PORTS.iotda, provisioning: { port: LOCAL_PORTS.provisioning, assignments: { [LOCAL_DEVICE]: {} } } }),
		};
		// The platform's HTTP API where iotda-local looks by default (and the fixed --bootstrap ports), else free ports.
		const broker = await startBroker({ ...local, http: { port: DEFAULT_HTTP_PORT } })
			.catch(() => startBroker({ ...local, port: 0, ...(bootstrap && { provisioning: { ...local.provisioning, port: 0 } }), http: { port: 0 } }));
		console.log(`[broker] IoTDA API on ${broker.http!.url}: e.g. npx iotda-local shadow --device ${LOCAL_DEVICE}` +
			(broker.http!.port === DEFAULT_HTTP_PORT ? "" : ` --url ${broker.http!.url}`));
		if (broker.provisioning)
			console.log(`[broker] provisioning service on ${broker.host}:${broker.provisioning.port}, assigning ${LOCAL_DEVICE} to ${broker.host}:${broker.port}`);
		// SNI and the name check by name: the broker's certificate names localhost as well as 127.0.0.1
		const endpoint = broker.provisioning
			? { bootstrapHost: broker.host, bootstrapPort: broker.provisioning.port, bootstrapName: "localhost", serverName: "localhost" }
			: { host: broker.host, port: broker.port, serverName: "localhost" };
		return {
			credentials: { secret },
			iotda: endpoint, caDer: certs.caDer, deviceId: LOCAL_DEVICE,
			close: async () => { await broker.close(); certs.cleanup(); },
		};
	}
	const port = Number(options.port ?? 8883);
	if (!Number.isInteger(port) || port < 1 || port > 65535)
		fail("--port: must be an integer from 1 to 65535");
	const deviceId = options["device-id"];
	if (!deviceId)
		fail("--device-id: required with --host");
	const [certPath, keyPath] = [options["client-cert"], options["client-key"]];
	if ((certPath === undefined) !== (keyPath === undefined))
		fail("--client-cert and --client-key: give both or neither");
	const secret = process.env.IOTDA_SECRET;
	if (!secret && certPath === undefined)
		fail("IOTDA_SECRET: set it to the device secret (it is never printed), or give --client-cert and --client-key");
	const serverName = options["server-name"];
	return {
		credentials: certPath === undefined ? { secret } : readClient(certPath, keyPath!),
		iotda: bootstrap
			? { bootstrapHost: host, bootstrapPort: port, ...(serverName !== undefined && { bootstrapName: serverName }) }
			: { host, port, ...(serverName !== undefined && { serverName }) },
		caDer: options.ca === undefined ? undefined : readCa(options.ca), deviceId,
		close: async () => {},
	};
}

// In build/, one level below the repo like dist/: lib/signer.ts finds build/core.wasm from there.
const root = fileURLToPath(new URL("../../", import.meta.url));
const app = join(root, "build", `host-app-${process.pid}.mjs`);
const manifest = join(root, "examples", options.example, "manifest.json");
if (!/^[\w-]+$/.test(options.example) || !existsSync(manifest))
	fail(`--example: no examples/${options.example}/manifest.json`);
await bundleManifest(manifest, platformOf(target.name), app);		// first: a build error leaves nothing running
const side = await brokerSide();
let config: Record<string, any>;
try {
	// A CA of the user's (or the embedded broker's) replaces the bundled roots: see src/tls/trust.ts.
	config = buildConfig(target.name, { iotda: { ...side.iotda, ...(side.caDer && { ca: [PRIVATE_CA] }) } }, manifest);
}
catch (error) {
	await side.close();
	fail((error as Error).message);
}

// What a device build gets from the manifest (resources, config) and from provisioning (NVS).
const stateDir = options["state-dir"];
if (stateDir !== undefined)
	mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const dir = stateDir ?? mkdtempSync(join(tmpdir(), "iotda-host-"));		// mode 0700: holds the secret
const resources = join(dir, "resources");
mkdirSync(resources, { recursive: true });
copyResources(resources, manifest, platformOf(target.name));
if (side.caDer)
	writeFileSync(join(resources, PRIVATE_CA), side.caDer);
const preferences = join(dir, "preferences.json");
// Provisioning writes the credentials; what the app stored itself (e.g. an upgrade's version) stays.
const kept = existsSync(preferences) ? JSON.parse(readFileSync(preferences, "utf8")) : {};
kept.iotda = { ...kept.iotda, deviceId: side.deviceId, ...side.credentials };
writeFileSync(preferences, JSON.stringify(kept), { mode: 0o600 });
console.log(`[host] target ${target.name}: TCP send buffer ${target.tcp.sendBuffer} B, MSS ${target.tcp.mss} B; XS creation ${JSON.stringify(target.creation)}`);

let child: ChildProcess;
function launch(): void {
	child = spawn(process.execPath, ["--enable-source-maps", app], {
		env: { ...process.env, IOTDA_SECRET: "", HOST_TARGET: target.name, HOST_CONFIG: JSON.stringify(config), HOST_PREFERENCES: preferences, HOST_RESOURCES: resources, HOST_STATE_DIR: dir },
		stdio: ["ignore", "pipe", "pipe"],
	});
	createInterface({ input: child.stdout! }).on("line", line => {
		console.log(`[app] ${line}`);
		if (once)
			watch(line);
	});
	createInterface({ input: child.stderr! }).on("line", line => console.error(`[app] ${line}`));
	child.on("exit", (code, signal) => {
		if (code === RESTART_EXIT_CODE) {
			console.log("[host] restart");
			return launch();
		}
		finish(1, `app exited (${signal ?? `code ${code}`})`);
	});
}
launch();

let finished = false;
async function finish(code: number, message?: string): Promise<void> {
	if (finished)
		return;
	finished = true;
	if (message)
		(code ? console.error : console.log)(message);
	child.removeAllListeners("exit");
	child.kill();
	await side.close();
	if (stateDir === undefined)
		rmSync(dir, { recursive: true, force: true });
	rmSync(app, { force: true });
	process.exit(code);
}

// --once reads the app's trace: the first report acknowledged is success, the first failure the reason.
let connected = false;
function watch(line: string): void {
	if (line === "iotda: connected")
		connected = true;
	else if (connected && line === "iotda: property report acknowledged")
		finish(0, "connected");
	else if (line.startsWith("iotda: cannot start: "))
		finish(2, `not connected: ${line.slice(21)}`);
	else if (/^iotda: .*; next attempt in \d+ ms$/.test(line))
		finish(1, `not connected: ${line.slice(7).replace(/; next attempt in \d+ ms$/, "")}`);
}

process.once("SIGINT", () => finish(0));
process.once("SIGTERM", () => finish(0));
if (once)
	setTimeout(() => finish(1, `not connected within ${ONCE_TIMEOUT_MS / 1000} s`), ONCE_TIMEOUT_MS).unref();
