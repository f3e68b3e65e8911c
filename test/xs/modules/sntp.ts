// Scripted stand-in for Moddable's "sntp": the scripted board has no UDP, like a device without network.
export default class SNTP {
	static readonly time = 1;
	static readonly retry = 2;
	static readonly error = -1;

	constructor() {
		throw new Error("sntp: the scripted board has no network");
	}
}
