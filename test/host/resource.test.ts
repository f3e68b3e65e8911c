// The host "Resource" (files under HOST_RESOURCES) and "mc/config" (HOST_CONFIG or HOST_CONFIG_FILE).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Resource from "../../boards/host/modules/Resource";

const dir = mkdtempSync(join(tmpdir(), "host-resources-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("Resource reads files under HOST_RESOURCES as ArrayBuffers; a missing one throws URIError", () => {
	mkdirSync(join(dir, "res"));
	writeFileSync(join(dir, "res", "ca.der"), Uint8Array.of(0x30, 0x82, 1, 2));
	writeFileSync(join(dir, "outside.der"), "secret");
	process.env.HOST_RESOURCES = join(dir, "res");
	try {
		assert.equal(Resource.exists("ca.der"), true);
		const ca = new Resource("ca.der");
		assert.ok(ca instanceof ArrayBuffer);
		assert.equal(ca.byteLength, 4);
		assert.deepEqual(new Uint8Array(ca.slice(1, 3)), Uint8Array.of(0x82, 1));
		assert.equal(Resource.exists("missing.der"), false);
		assert.throws(() => new Resource("missing.der"), { name: "URIError", message: "Resource not found: missing.der" });
		assert.equal(Resource.exists("../outside.der"), false, "no way out of the resource directory");
		assert.equal(Resource.exists("."), false);
	}
	finally {
		delete process.env.HOST_RESOURCES;
	}
	assert.equal(Resource.exists("ca.der"), false, "no HOST_RESOURCES, no resources");
});

let loads = 0;
async function loadConfig(env: { HOST_CONFIG?: string; HOST_CONFIG_FILE?: string }) {
	const saved = { HOST_CONFIG: process.env.HOST_CONFIG, HOST_CONFIG_FILE: process.env.HOST_CONFIG_FILE };
	for (const name of ["HOST_CONFIG", "HOST_CONFIG_FILE"] as const) {
		if (env[name] === undefined)
			delete process.env[name];
		else
			process.env[name] = env[name];
	}
	try {
		return (await import(`../../boards/host/modules/mc/config.ts?load=${++loads}`)).default;
	}
	finally {
		Object.assign(process.env, saved);
		for (const [name, value] of Object.entries(saved))
			if (value === undefined)
				delete process.env[name];
	}
}

test("mc/config is the JSON of HOST_CONFIG or HOST_CONFIG_FILE, deep-frozen; empty without either", async () => {
	const config = await loadConfig({ HOST_CONFIG: JSON.stringify({ iotda: { host: "localhost", port: 8883 }, sntp: "127.0.0.1" }) });
	assert.deepEqual(config, { iotda: { host: "localhost", port: 8883 }, sntp: "127.0.0.1" });
	assert.ok(Object.isFrozen(config) && Object.isFrozen(config.iotda));
	const file = join(dir, "config.json");
	writeFileSync(file, JSON.stringify({ iotda: { deviceId: "dev_1" } }));
	assert.deepEqual(await loadConfig({ HOST_CONFIG_FILE: file }), { iotda: { deviceId: "dev_1" } });
	assert.deepEqual(await loadConfig({}), {});
	await assert.rejects(loadConfig({ HOST_CONFIG: "{nope" }), { message: "mc/config: HOST_CONFIG is not valid JSON" });
	await assert.rejects(loadConfig({ HOST_CONFIG: "[1]" }), /must hold a JSON object/);
	await assert.rejects(loadConfig({ HOST_CONFIG: "{}", HOST_CONFIG_FILE: file }), /not both/);
});
