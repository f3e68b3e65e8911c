// Read-only data files built into the app ("Resource").
declare module "Resource" {
	interface ResourceData extends HostBuffer {
		/** A copy of bytes [begin, end) as an ArrayBuffer. */
		slice(begin: number, end?: number): ArrayBuffer;
	}

	const Resource: {
		/** Throws URIError when there is no such resource. */
		new (path: string): ResourceData;
		exists(path: string): boolean;
	};

	export default Resource;
}
