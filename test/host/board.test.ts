// The two ways of running src/ on the host board map the same Moddable specifiers: Node's loader hook
// (register.ts, for tests importing src/ directly) and the esbuild bundle (bundle.ts, for the runner).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { bundleApp } from "../../boards/host/bundle";
import "../../boards/host/register";
import { SPECIFIERS } from "../../boards/host/modules";

const dir = mkdtempSync(join(tmpdir(), "host-board-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("register.ts: every Moddable specifier imports its host stand-in, and src/ runs unchanged", async () => {
	for (const specifier of SPECIFIERS) {
		const mapped = await import(specifier);
		const direct = await import(`../../boards/host/modules/${specifier}.ts`);
		assert.equal(mapped, direct, specifier);
	}
	const { sign } = await import("../../src/signer");
	const signed = sign("dev_1", "12345678", Date.UTC(2025, 3, 14, 1), 0, 1);
	assert.equal(signed.password, "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
});

test("bundle.ts: a bundle written anywhere runs with the globals installed before the app's first line", async () => {
	const entry = join(dir, "app.ts");
	const signer = fileURLToPath(new URL("../../src/signer.ts", import.meta.url));
	writeFileSync(entry, `
		import Timer from "timer";
		import Time from "time";
		import config from "mc/config";
		import { sign } from ${JSON.stringify(signer)};
		trace("greeting: " + config.greeting + "\\n");
		Time.set(1000000000);
		Timer.set(() => {
			const signed = sign("dev_1", "12345678", Date.UTC(2025, 3, 14, 1), 0, 1);
			trace("year: " + new Date().getUTCFullYear() + "\\npassword: " + signed.password + "\\n");
		}, 10);
	`);
	const outfile = join(dir, "out", "app.js");
	await bundleApp(entry, outfile);
	const output = execFileSync(process.execPath, [outfile], {
		env: { ...process.env, HOST_CONFIG: JSON.stringify({ greeting: "hello" }) },
		encoding: "utf8",
	});
	assert.equal(output, [
		"greeting: hello",
		"year: 2001",
		"password: c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a",
		"",
	].join("\n"));
});
