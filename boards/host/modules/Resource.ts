// Host stand-in for Moddable's "Resource": files in the directory named by HOST_RESOURCES (the
// manifest's resources on the device). A resource is returned as a fresh ArrayBuffer, where the
// device maps a read-only HostBuffer from flash.
import { readFileSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";

function find(path: string): string | undefined {
	const root = process.env.HOST_RESOURCES;
	if (!root)
		return undefined;
	const file = resolve(root, path);
	if (!file.startsWith(resolve(root) + sep))
		return undefined;		// a resource name never reaches outside the resource directory
	return statSync(file, { throwIfNoEntry: false })?.isFile() ? file : undefined;
}

interface Resource extends ArrayBuffer {}

class Resource {
	/** Throws URIError, as the device does, when there is no such resource. */
	constructor(path: string) {
		const file = find(path);
		if (!file)
			throw new URIError(`Resource not found: ${path}`);
		const bytes = readFileSync(file);
		return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as Resource;
	}

	static exists(path: string): boolean {
		return find(path) !== undefined;
	}
}

export default Resource;
