// XS globals the app may use. A subset of what the Moddable SDK declares for XS: code that
// type-checks against these declarations also type-checks against the SDK's own.

/** Prints its arguments, concatenated, to the debug console; adds no newline. */
interface Trace {
	(...items: (string | number | boolean)[]): void;
}
declare const trace: Trace;

/** Looks up a host function by the name it was linked under (a C function on the device). */
declare function native(name: string): (...args: any[]) => any;

/** Read-only memory owned by the host (flash on a device), e.g. a Resource. */
declare class HostBuffer {
	readonly byteLength: number;
	private brand: boolean;
}

// As the SDK's xs.d.ts declares it: a typed array's .buffer may be a HostBuffer (which has no slice).
interface ArrayBufferTypes {
	HostBuffer: HostBuffer;
}

/** Anything a socket can write as raw bytes. */
type ByteBuffer = ArrayBuffer | SharedArrayBuffer | HostBuffer | Uint8Array | Uint8ClampedArray | Int8Array | DataView;

interface StringConstructor {
	/** Decodes UTF-8; throws TypeError on invalid UTF-8. */
	fromArrayBuffer(buffer: ArrayBufferLike): string;
}

interface ArrayBufferConstructor {
	/** Encodes a string as UTF-8. */
	fromString(string: string): ArrayBuffer;
}
