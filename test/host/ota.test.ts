// The host board's "ota" refuses what the SDK's ota module over esp_ota_ops refuses: a first byte
// other than 0xE9, a write past the slot or after the end, complete() of something that is not an
// image for the target, or twice; and commits (the boot slot) only on a complete() that passed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { otaSlots } from "../../boards/host/partitions";
import { espImage } from "../fixtures/esp-image";

const dir = mkdtempSync(join(tmpdir(), "iotda-host-ota-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Runs `body` in a fresh process (the module reads the boot slot once, as a boot does) on `state`.
function withOta(state: string, target: string, body: string): string {
	const script = `
		const { default: OTA } = await import(${JSON.stringify(new URL("../../boards/host/modules/ota.ts", import.meta.url).href)});
		const { espImage } = await import(${JSON.stringify(new URL("../fixtures/esp-image.ts", import.meta.url).href)});
		const out = [];
		const attempt = (f) => { try { f(); out.push("ok"); } catch (e) { out.push(e.message); } };
		${body}
		console.log(JSON.stringify(out));`;
	return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
		env: { ...process.env, HOST_STATE_DIR: state, HOST_TARGET: target }, encoding: "utf8",
	});
}

test("host ota: the SDK's refusals, and nothing committed until a complete() that esp_image_verify would pass", () => {
	const state = mkdtempSync(join(dir, "a-"));
	const slot = otaSlots("esp32c3")[1];
	const out = JSON.parse(withOta(state, "esp32c3", `
		let ota = new OTA({ byteLength: 10 });
		attempt(() => ota.write(new Uint8Array([0x00, 1, 2])));			// not 0xE9
		attempt(() => ota.write(new Uint8Array(0)));
		attempt(() => ota.complete());									// nothing written
		attempt(() => ota.write(new Uint8Array([0xe9])));				// after the end
		ota.cancel(); ota.cancel();
		attempt(() => ota.complete());
		ota = new OTA();
		attempt(() => ota.write(new Uint8Array(${slot.bytes + 1}).fill(0xe9)));	// past the slot
		attempt(() => ota.write(espImage("esp32", 4000)));
		attempt(() => ota.complete());									// another chip's image
		ota = new OTA();
		const image = espImage("esp32c3", 4000);
		attempt(() => ota.write(image.subarray(0, 1000)));
		attempt(() => ota.write(image.subarray(1000)));
		attempt(() => ota.complete());
		attempt(() => ota.complete());`));
	assert.deepEqual(out, [
		"write failed", "ok", "end failed", "write failed", "bad state",
		"write failed", "ok", "end failed",
		"ok", "ok", "ok", "bad state",
	]);
	assert.deepEqual(JSON.parse(readFileSync(join(state, "otadata.json"), "utf8")), { boot: "ota_1" });
	// booted from ota_1, the next upgrade writes ota_0
	withOta(state, "esp32c3", `new OTA().write(espImage("esp32c3", 100));`);
	assert.ok(existsSync(join(state, "ota_0.bin")));
});

test("host ota: without a state directory there is no update partition", () => {
	const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e",
		`const { default: OTA } = await import(${JSON.stringify(new URL("../../boards/host/modules/ota.ts", import.meta.url).href)}); try { new OTA(); } catch (e) { console.log(e.message); }`],
	{ env: { ...process.env, HOST_STATE_DIR: "" }, encoding: "utf8" });
	assert.equal(out.trim(), "no update parition");
});
