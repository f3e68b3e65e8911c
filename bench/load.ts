// `npm run load`: 1,000 host-board devices, each with its own credentials, start their sessions at
// the same moment against the local broker over TLS on loopback. Every device must authenticate,
// report one property (acknowledged by PUBACK) and stay connected; the run is bounded in time.
//   npm run load [-- --devices 1000] [--deadline 120]
// Exits 1 if any device was lost: not authenticated in time, refused, dropped once connected, or
// its report not acknowledged. Attempts that failed before a device's first CONNACK (e.g. a
// handshake that timed out under load) are retried by the session and counted, not lost.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { generateCerts } from "../broker/certs";
import { startBroker } from "../broker/server";
import "../boards/host/register";

const { Session } = await import("../src/session");

const { values } = parseArgs({ options: { devices: { type: "string", default: "1000" }, deadline: { type: "string", default: "120" } } });
const COUNT = Number(values.devices);
const DEADLINE_MS = Number(values.deadline) * 1000;
if (!Number.isInteger(COUNT) || COUNT < 1 || !(DEADLINE_MS > 0))
	throw new RangeError("--devices: a positive integer; --deadline: seconds > 0");
const SOAK_MS = 5000;		// everyone connected: stay up this long, nobody may drop

const secrets = new Map<string, string>();
for (let i = 0; i < COUNT; i++)
	secrets.set(`load-${String(i).padStart(4, "0")}`, randomBytes(12).toString("base64url"));
const certs = generateCerts();
const broker = await startBroker({ devices: Object.fromEntries([...secrets].map(([id, secret]) => [id, { secret }])), certs });

interface Device {
	session: InstanceType<typeof Session>;
	connectedMs?: number;		// start -> CONNACK 0
	retries: string[];		// attempts that failed before the first CONNACK 0
	drops: string[];		// connection lost after it
	errors: string[];
}

const started = performance.now();
const devices: Device[] = [];
for (const [deviceId, secret] of secrets) {
	const index = devices.length;
	const record = { connectedMs: undefined as number | undefined, retries: [] as string[], drops: [] as string[], errors: [] as string[] };
	const session: Device["session"] = new Session({
		host: broker.host,
		port: broker.port,
		serverName: "localhost",		// the certificate names it too; an IP as SNI draws a Node warning
		ca: certs.caDer,
		deviceId,
		secret,
		log: () => {},
		onConnected: () => {
			record.connectedMs ??= performance.now() - started;
			session.reportProperties("status", { index });
		},
		onDisconnected: reason => (record.connectedMs === undefined ? record.retries : record.drops).push(reason),
		onError: error => record.errors.push(error.message),
	});
	devices.push(Object.assign(record, { session }));
}
for (const device of devices)
	device.session.start();

const deadline = started + DEADLINE_MS;
const settled = () => devices.every(d => d.connectedMs !== undefined && d.session.pending === 0);
while (!settled() && performance.now() < deadline)
	await new Promise(resolve => setTimeout(resolve, 100));
const allInMs = performance.now() - started;
if (settled())
	await new Promise(resolve => setTimeout(resolve, SOAK_MS));

const stats = broker.stats();
const authenticated = devices.filter(d => d.connectedMs !== undefined);
const lost = devices.filter(d => d.connectedMs === undefined || d.drops.length || d.errors.length || d.session.state !== "online" || d.session.pending);
const times = authenticated.map(d => d.connectedMs!).sort((a, b) => a - b);
const at = (q: number) => times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0) : "-";

for (const device of devices)
	device.session.stop();
await broker.close();
certs.cleanup();

console.log(`devices            ${COUNT} (distinct credentials, TLS 1.2 on loopback, all started at once)`);
console.log(`authenticated      ${authenticated.length}`);
console.log(`lost               ${lost.length}`);
console.log(`retried attempts   ${devices.reduce((sum, d) => sum + d.retries.length, 0)} (before a device's first CONNACK)`);
console.log(`connect ms         p50 ${at(0.5)}  p95 ${at(0.95)}  max ${at(1)}`);
console.log(`all reported in    ${(allInMs / 1000).toFixed(1)} s (deadline ${DEADLINE_MS / 1000} s), then ${SOAK_MS / 1000} s connected`);
console.log(`broker             accepted ${stats.accepted}, rejected ${stats.rejected}, publishes ${stats.publishes}, tls errors ${stats.tlsErrors}`);
for (const device of lost.slice(0, 10))
	console.log(`lost ${device.session.deviceId}: ${device.connectedMs === undefined ? "never authenticated" : "dropped"} ${[...device.retries, ...device.drops, ...device.errors].join("; ")}`);
process.exit(lost.length ? 1 : 0);
