// Connect latency on the host: TCP + TLS handshake + CONNECT -> CONNACK, for the app's Session on
// the host board vs MQTT.js, against the same local broker. Both sign with the same core inside
// the timed span, and both make the device's ClientHello (TLS 1.2, its suites, secp256r1 only:
// the host securesocket's DEVICE_HELLO), so the difference is the clients. Runs alternate (ours, theirs, theirs, ours, ...) to cancel drift; medians reported.
import type { ConnectionOptions } from "node:tls";
import mqtt, { type IClientOptions } from "mqtt";
import { generateCerts } from "../broker/certs";
import { startBroker } from "../broker/server";
import { sign } from "../lib/signer";

export interface ConnectBenchResult {
	iterations: number;
	oursMedianMs: number;
	mqttjsMedianMs: number;
	ratio: number;			// ours / MQTT.js: below 1 means the app's session connects faster
}

const SECRET = "bench-secret";
const WARMUP = 2;

export async function runConnectBench(opts: { quick: boolean }): Promise<ConnectBenchResult> {
	// The host board's module map and XS globals, needed to load src/ in Node.
	await import("../boards/host/register");
	const { Session } = await import("../src/session");
	const { DEVICE_HELLO } = await import("../boards/host/modules/securesocket");

	const iterations = opts.quick ? 10 : 40;
	const certs = generateCerts();
	const broker = await startBroker({ devices: { ours: { secret: SECRET }, theirs: { secret: SECRET } }, certs });
	const idle = async () => {
		while (broker.stats().connected)
			await new Promise(resolve => setTimeout(resolve, 1));
	};

	const ours = () => new Promise<number>((resolve, reject) => {
		const start = performance.now();
		const session = new Session({
			host: broker.host, port: broker.port, serverName: "localhost", ca: certs.caDer, deviceId: "ours", secret: SECRET, log: () => {},
			onConnected: () => {
				const ms = performance.now() - start;
				session.stop();
				resolve(ms);
			},
			onDisconnected: reason => {
				session.stop();
				reject(new Error(`session: ${reason}`));
			},
		});
		session.start();
	});

	const theirs = () => new Promise<number>((resolve, reject) => {
		const start = performance.now();
		const { clientId, username, password } = sign({ deviceId: "theirs", secret: SECRET, time: Date.now() });
		// MQTT.js hands its options to tls.connect, so the TLS settings ride along.
		const options: IClientOptions & ConnectionOptions = {
			protocol: "mqtts", host: broker.host, port: broker.port, ca: certs.caPem,
			...DEVICE_HELLO, servername: "localhost",
			protocolVersion: 4, clientId, username, password, keepalive: 120, clean: true, reconnectPeriod: 0,
		};
		const client = mqtt.connect(options);
		client.once("connect", () => {
			const ms = performance.now() - start;
			client.end(true);
			resolve(ms);
		});
		client.once("error", error => {
			client.end(true);
			reject(error);
		});
	});

	const oursMs: number[] = [];
	const theirsMs: number[] = [];
	try {
		for (let i = 0; i < WARMUP + iterations; i++) {
			// alternate which client goes first, so neither always runs on a warmer process
			for (const [run, into] of (i % 2 ? [[theirs, theirsMs], [ours, oursMs]] : [[ours, oursMs], [theirs, theirsMs]]) as [() => Promise<number>, number[]][]) {
				await idle();
				const ms = await run();
				if (i >= WARMUP)
					into.push(ms);
			}
		}
	}
	finally {
		await broker.close();
		certs.cleanup();
	}
	const oursMedianMs = median(oursMs), mqttjsMedianMs = median(theirsMs);
	return { iterations, oursMedianMs, mqttjsMedianMs, ratio: oursMedianMs / mqttjsMedianMs };
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
