// The host "preference": NVS's value types and limits, and persistence in HOST_PREFERENCES across
// restarts (a fresh module instance stands for a reboot).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const dir = mkdtempSync(join(tmpdir(), "host-prefs-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let boots = 0;
// Loads preference.ts afresh, as a board does at boot, with HOST_PREFERENCES = `file`.
async function boot(file: string | undefined) {
	if (file === undefined)
		delete process.env.HOST_PREFERENCES;
	else
		process.env.HOST_PREFERENCES = file;
	const module = await import(`../../boards/host/modules/preference.ts?boot=${++boots}`);
	return module.default as typeof import("../../boards/host/modules/preference").default;
}

test("values keep their type; ArrayBuffers come back as copies; delete and keys", async () => {
	const Preference = await boot(undefined);
	Preference.set("iotda", "host", "example.com");
	Preference.set("iotda", "port", 8883);
	Preference.set("iotda", "tls", false);
	Preference.set("iotda", "blob", Uint8Array.of(1, 2, 3).buffer);
	assert.equal(Preference.get("iotda", "host"), "example.com");
	assert.equal(Preference.get("iotda", "port"), 8883);
	assert.equal(Preference.get("iotda", "tls"), false);
	const blob = Preference.get("iotda", "blob") as ArrayBuffer;
	assert.deepEqual(new Uint8Array(blob), Uint8Array.of(1, 2, 3));
	new Uint8Array(blob)[0] = 9;
	assert.deepEqual(new Uint8Array(Preference.get("iotda", "blob") as ArrayBuffer), Uint8Array.of(1, 2, 3));
	assert.equal(Preference.get("iotda", "missing"), undefined);
	assert.equal(Preference.get("nothing", "missing"), undefined);
	assert.deepEqual(Preference.keys("iotda"), ["host", "port", "tls", "blob"]);
	Preference.set("iotda", "port", "1883");		// a key may change type
	assert.equal(Preference.get("iotda", "port"), "1883");
	Preference.delete("iotda", "host");
	Preference.delete("iotda", "host");			// missing: no error
	assert.deepEqual(Preference.keys("iotda"), ["port", "tls", "blob"]);
	assert.deepEqual(Preference.keys("empty"), []);
	Preference.set("constructor", "__proto__", 1);	// names are plain keys
	assert.equal(Preference.get("constructor", "__proto__"), 1);
});

test("NVS limits: names of 1-15 characters, 32-bit integers, values of at most 4000 bytes", async () => {
	const Preference = await boot(undefined);
	assert.throws(() => Preference.set("iotda", "k".repeat(16), 1), { name: "RangeError", message: "preference: key must be 1 to 15 characters" });
	assert.throws(() => Preference.set("d".repeat(16), "k", 1), /domain must be 1 to 15 characters/);
	assert.throws(() => Preference.get("iotda", ""), /key must be 1 to 15/);
	assert.throws(() => Preference.set("iotda", "k", 1.5), /32-bit integer/);
	assert.throws(() => Preference.set("iotda", "k", 2 ** 31), /32-bit integer/);
	assert.throws(() => Preference.set("iotda", "k", "é".repeat(2001)), /at most 4000 bytes/);
	assert.throws(() => Preference.set("iotda", "k", new ArrayBuffer(4001)), /at most 4000 bytes/);
	assert.throws(() => Preference.set("iotda", "k", Uint8Array.of(1) as unknown as ArrayBuffer), { name: "TypeError" });
	Preference.set("iotda", "k", "x".repeat(4000));
	Preference.set("iotda", "k", -(2 ** 31));
	assert.deepEqual(Preference.keys("iotda"), ["k"], "refused values were not stored");
});

test("HOST_PREFERENCES keeps values across boots; without it nothing persists", async () => {
	const file = join(dir, "prefs.json");
	const first = await boot(file);
	first.set("iotda", "deviceId", "dev_1");
	first.set("iotda", "blob", Uint8Array.of(0, 255).buffer);
	first.set("iotda", "gone", true);
	first.delete("iotda", "gone");
	const second = await boot(file);
	assert.equal(second.get("iotda", "deviceId"), "dev_1");
	assert.deepEqual(new Uint8Array(second.get("iotda", "blob") as ArrayBuffer), Uint8Array.of(0, 255));
	assert.deepEqual(second.keys("iotda"), ["deviceId", "blob"]);
	assert.ok(JSON.parse(readFileSync(file, "utf8")).iotda);
	const volatile = await boot(undefined);
	assert.equal(volatile.get("iotda", "deviceId"), undefined);
});
