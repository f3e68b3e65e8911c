// The manifest's resources for the host board's Resource (HOST_RESOURCES): the files manifest.json
// lists under resources["*"], copied into `dir` by their file names, as mcconfig puts them in the
// build. Entries name files without their extension, as mcconfig takes them.
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function copyResources(dir: string): void {
	const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));
	for (const entry of manifest.resources["*"] as string[]) {
		const folder = join(ROOT, dirname(entry));
		const file = readdirSync(folder).find(name => name.slice(0, name.lastIndexOf(".")) === basename(entry));
		if (!file)
			throw new Error(`manifest.json: resource ${entry} not found`);
		copyFileSync(join(folder, file), join(dir, file));
	}
}
