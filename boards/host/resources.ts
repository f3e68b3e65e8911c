// An app's resources for the host board's Resource (HOST_RESOURCES): the files its manifests list
// under resources["*"], copied into `dir` by their file names, as mcconfig puts them in the build.
// Entries name files without their extension, as mcconfig takes them.
import { copyFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { readManifest } from "./manifest";

export function copyResources(dir: string, manifest: string, platform: string): void {
	for (const entry of readManifest(manifest, platform).resources) {
		const file = readdirSync(dirname(entry)).find(name => name.slice(0, name.lastIndexOf(".")) === basename(entry));
		if (!file)
			throw new Error(`${manifest}: resource ${entry} not found`);
		copyFileSync(join(dirname(entry), file), join(dir, file));
	}
}
