// Scripted stand-in for Moddable's "Resource": the scripted board's image holds no resources.
export default class Resource {
	static exists(_path: string): boolean {
		return false;
	}

	constructor(path: string) {
		throw new URIError(`Resource: no ${path}`);
	}
}
