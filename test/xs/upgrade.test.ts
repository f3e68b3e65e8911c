// src/upgrade.ts on XS and on Node, on the scripted board:
// notices answered before any download (3, 5), a package streamed through the core's SHA-256 into
// the scripted ota and committed (progress at most every 10 % and once a second, then 100), a
// drop resumed with Range, a wrong sign cancelled (7); a throw inside the download's callbacks (the
// core's hash lost, the flash or NVS refusing) reported. test/ota/ runs the same over real TLS. XS
// runs it without the collection before every allocation (minutes with it); the natives it hashes
// with and the HTTPS client are run with it in hash.test.ts and https-get.test.ts.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, test } from "node:test";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Input, Notice, Output } from "./scenarios/upgrade";

const packageOf = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 13 + 0xE9) & 255);
const sign = (size: number) => createHash("sha256").update(packageOf(size)).digest("hex");
const notices: Notice[] = [
	{ eventType: "firmware_upgrade", version: "1.0.0", size: 1000, sign: sign(1000) },
	{ eventType: "firmware_upgrade", version: "9.0", size: 65_537, sign: sign(65_537) },
	{ eventType: "firmware_upgrade", version: "2.0", size: 3000, sign: sign(3000).replace(/.$/, c => c === "0" ? "1" : "0") },
	{ eventType: "firmware_upgrade", version: "2.1", size: 5000, sign: sign(5000), dropAt: 2000 },
];
// A throw inside the download's callbacks: the core's hash ended under it (after the first piece,
// after the last), the flash refusing a write or the commit, NVS refusing the version record. A
// run of their own: a committed image's restart comes due 10 s after it, and only the last commits.
const thrown: Notice[] = [
	{ eventType: "firmware_upgrade", version: "3.1", size: 5000, sign: sign(5000), ota: { loseHashAt: 1 } },
	{ eventType: "firmware_upgrade", version: "3.2", size: 5000, sign: sign(5000), ota: { loseHashAt: 5000 } },
	{ eventType: "firmware_upgrade", version: "3.3", size: 5000, sign: sign(5000), ota: { refuse: "write" } },
	{ eventType: "firmware_upgrade", version: "3.4", size: 5000, sign: sign(5000), ota: { refuse: "complete" } },
	{ eventType: "firmware_upgrade", version: "3.5", size: 5000, sign: sign(5000), refuseRecord: true },
];
const board = { deviceId: "ota-xs", secret: "ota-xs-secret", startMs: Date.UTC(2025, 3, 14, 1, 30) };
// events[0] is what follows the boot; events[k + 1], ranges[k] and ota[k] are notice k's.
let results: Record<EngineName, Output>;
let throws: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/upgrade.ts", { ...board, notices });
	throws = await runOnEngines<Input, Output>("scenarios/upgrade.ts", { ...board, notices: thrown });
});

const report = (result_code: number, progress: number, version: string, description?: string) =>
	({ event_type: "upgrade_progress_report", paras: { result_code, progress, version, ...(description && { description }) } });

test("XS and Node: after boot the running version, from the image's config", () => {
	for (const engine of ENGINES)
		assert.deepEqual(results[engine].events[0], [{ event_type: "version_report", paras: { fw_version: "1.0.0", sw_version: "1.0.0" } }], engine);
});

test("XS and Node: the running version is 3 and a package past the slot 5, before any download", () => {
	for (const engine of ENGINES) {
		const { events, ranges, ota } = results[engine];
		assert.deepEqual(events[1], [report(3, 0, "1.0.0", "this version is running")], engine);
		assert.deepEqual(events[2], [report(5, 0, "1.0.0", "file_size 65537 bytes is larger than the OTA slot (65536 bytes)")], engine);
		assert.deepEqual([ranges[0], ranges[1], ota[0], ota[1]], [[], [], [], []], engine);
	}
});

test("XS and Node: a wrong sign is cancelled and reported 7", () => {
	for (const engine of ENGINES) {
		const { events, ota } = results[engine];
		assert.deepEqual(events[3].at(-1), report(7, 0, "1.0.0", "the package's SHA-256 is not the notice's sign"), engine);
		assert.deepEqual(ota[2], ["begin", "cancel after 3000 bytes"], engine);
	}
});

test("XS and Node: a drop resumes with Range; the package committed, progress to 100 with the new version", () => {
	for (const engine of ENGINES) {
		const { events, ranges, ota } = results[engine];
		assert.deepEqual(ranges[3], ["", "bytes=2000-"], engine);
		assert.deepEqual(ota[3], ["begin", "complete after 5000 bytes"], engine);
		const progress = events[4].map(e => e.paras.progress as number);
		assert.deepEqual([events[4][0], events[4].at(-1)], [report(0, 0, "1.0.0"), report(0, 100, "2.1")], engine);
		progress.slice(1).forEach((p, i) => assert.ok(p >= progress[i] + 10, `${engine}: ${progress}`));
	}
	assert.deepEqual(results.xs, results.node);
});

const NO_HASH = "sha256: no hash started (or the core was reset since)";

test("XS and Node: a throw inside the download's callbacks ends the upgrade with its report, the image cancelled", () => {
	for (const engine of ENGINES) {
		const { events, ota } = throws[engine];
		// the core's hash lost mid-download: the next update throws; lost after the last piece: the digest does
		assert.deepEqual(events[1].at(-1), report(255, 0, "1.0.0", NO_HASH), engine);
		assert.match(ota[0][1], /^cancel after \d+ bytes$/, engine);
		assert.deepEqual(events[2].at(-1), report(255, 0, "1.0.0", NO_HASH), engine);
		assert.deepEqual(ota[1], ["begin", "cancel after 5000 bytes"], engine);
		assert.deepEqual(events[3].at(-1), report(10, 0, "1.0.0", "OTA write: write failed"), engine);
		assert.deepEqual(ota[2], ["begin", "cancel after 0 bytes"], engine);
		assert.deepEqual(events[4].at(-1), report(10, 0, "1.0.0", "OTA complete: end failed"), engine);
		assert.deepEqual(ota[3], ["begin"], engine);		// complete() ended it: cancel() has nothing left to end
	}
});

test("XS and Node: NVS refusing the version record after the commit still sends the final report", () => {
	for (const engine of ENGINES) {
		const { events, ota } = throws[engine];
		assert.deepEqual(ota[4], ["begin", "complete after 5000 bytes"], engine);
		assert.deepEqual(events[5].at(-1), report(0, 100, "3.5"), engine);
	}
	assert.deepEqual(throws.xs, throws.node);
});
