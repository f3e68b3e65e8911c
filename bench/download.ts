// OTA download throughput on the host: src/https-get.ts on the host board's securesocket (the
// device's ClientHello and certificate checks) against Node's https.get with the same ClientHello,
// both from the same local HTTPS server with the broker's certificate, both hashing every byte
// with the core's streaming SHA-256 as src/upgrade.ts does (nothing written to an OTA slot).
// Runs alternate (ours, theirs, theirs, ours, ...); medians of wall time, TLS connect included.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { request as httpsRequest, createServer } from "node:https";
import { generateCerts, serverTlsOptions } from "../broker/certs";
import { sha256Finish, sha256Start, sha256Update } from "../lib/signer";
import { median } from "./connect";

export interface DownloadBenchResult {
	bytes: number;
	rounds: number;
	oursMBps: number;
	nodeMBps: number;
	ratio: number;		// ours / Node: below 1 means ours is slower
}

export async function runDownloadBench(opts: { quick: boolean }): Promise<DownloadBenchResult> {
	await import("../boards/host/register");
	const { HttpGet, parseHttpsUrl } = await import("../src/https-get");
	const { DEVICE_HELLO } = await import("../boards/host/modules/securesocket");
	const hashUpdate: (bytes: Uint8Array) => void = native("xs_iotda_sha256_update");

	const bytes = (opts.quick ? 2 : 8) << 20;
	const rounds = opts.quick ? 3 : 7;
	const body = randomBytes(bytes);
	const certs = generateCerts();
	const server = createServer(serverTlsOptions(certs), (_req, res) => {
		res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length, connection: "close" });
		res.end(body);
	});
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	const port = (server.address() as { port: number }).port;
	const url = `https://127.0.0.1:${port}/package.bin`;
	const expected = hashOf(body);

	const ours = () => new Promise<number>((resolve, reject) => {
		const start = performance.now();
		sha256Start();
		let received = 0;
		new HttpGet(parseHttpsUrl(url), "Authorization: Bearer bench\r\n", [certs.caDer], {
			onHead: head => head.status !== 200 && reject(new Error(`HTTP ${head.status}`)),
			onBody: chunk => {
				hashUpdate(chunk);
				received += chunk.length;
			},
			onEnd: problem => {
				const ms = performance.now() - start;
				const digest = Buffer.from(sha256Finish()).toString("hex");
				if (problem || received !== bytes || digest !== expected)
					return reject(new Error(`ours: ${problem ?? `${received} bytes, digest ${digest}`}`));
				resolve(ms);
			},
		});
	});

	const theirs = () => new Promise<number>((resolve, reject) => {
		const start = performance.now();
		sha256Start();
		let received = 0;
		const req = httpsRequest(url, { ...DEVICE_HELLO, ca: certs.caPem, servername: "127.0.0.1", headers: { authorization: "Bearer bench" }, agent: false }, res => {
			res.on("data", (chunk: Buffer) => {
				sha256Update(chunk);
				received += chunk.length;
			});
			res.on("end", () => {
				const ms = performance.now() - start;
				const digest = Buffer.from(sha256Finish()).toString("hex");
				if (received !== bytes || digest !== expected)
					return reject(new Error(`node: ${received} bytes, digest ${digest}`));
				resolve(ms);
			});
		});
		req.on("error", reject);
		req.end();
	});

	const oursMs: number[] = [], theirsMs: number[] = [];
	try {
		for (let i = 0; i <= rounds; i++)		// the first round warms up
			for (const [run, into] of (i % 2 ? [[theirs, theirsMs], [ours, oursMs]] : [[ours, oursMs], [theirs, theirsMs]]) as [() => Promise<number>, number[]][]) {
				const ms = await run();
				if (i)
					into.push(ms);
			}
	}
	finally {
		server.close();
		certs.cleanup();
	}
	const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
	const oursMBps = mbps(median(oursMs)), nodeMBps = mbps(median(theirsMs));
	return { bytes, rounds, oursMBps, nodeMBps, ratio: oursMBps / nodeMBps };
}

function hashOf(bytes: Uint8Array): string {
	sha256Start();
	sha256Update(bytes);
	return Buffer.from(sha256Finish()).toString("hex");
}
