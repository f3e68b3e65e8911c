// Installs the XS globals the app uses: trace, native(name), ArrayBuffer.fromString,
// String.fromArrayBuffer, and a Date that reads the board clock (clock.ts) so Time.set is seen by
// Date.now() and new Date(). Import it before the app's first module.
import { groupSecret, sha256Finish, sha256Start, sha256Update, sign } from "../../lib/signer";
import { boardNow } from "./clock";
import { RESTART_EXIT_CODE } from "./restart";

// The host functions native(name) can return: same names, arguments and errors as the device's C.
const natives: Record<string, (...args: any[]) => unknown> = {
	// native/xs_iotda.c: (deviceId, secret, timeMs, authType = 0, signType = 1) -> credentials.
	xs_iotda_credentials(...args: unknown[]) {
		const [deviceId, secret, timeMs, authType, signType] = args;
		if (typeof deviceId !== "string")
			throw new TypeError("deviceId: must be a string");
		if (typeof secret !== "string")
			throw new TypeError("secret: must be a string");
		if (typeof timeMs !== "number")
			throw new TypeError("time: must be a number");
		try {
			// Only a missing argument takes the default; a passed undefined is refused, as in C.
			return sign({
				deviceId, secret, time: timeMs,
				authType: args.length > 3 ? (authType ?? -1) as number : 0,
				signType: args.length > 4 ? (signType ?? -1) as number : 1,
			});
		}
		catch (error) {
			// The C binding throws the core's message as a plain Error.
			throw error instanceof RangeError ? new Error(error.message) : error;
		}
	},
	// native/xs_iotda.c: (deviceId, groupSecret in Base64) -> a registration group device's secret.
	xs_iotda_group_secret(deviceId?: unknown, secret?: unknown) {
		if (typeof deviceId !== "string")
			throw new TypeError("deviceId: must be a string");
		if (typeof secret !== "string")
			throw new TypeError("groupSecret: must be a string");
		try {
			return groupSecret(deviceId, secret);
		}
		catch (error) {
			throw error instanceof RangeError ? new Error(error.message) : error;
		}
	},
	// native/xs_iotda.c: the core's streaming SHA-256.
	xs_iotda_sha256_start() {
		sha256Start();
	},
	xs_iotda_sha256_update(bytes?: unknown) {
		if (!(bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes)))
			throw new TypeError("bytes: must be an ArrayBuffer, typed array or DataView");
		sha256Update(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
	},
	xs_iotda_sha256_digest() {
		return Buffer.from(sha256Finish()).toString("hex");
	},
	// esp_restart(): the launcher runs the app again (stdout to a pipe is written synchronously).
	xs_iotda_restart() {
		process.exit(RESTART_EXIT_CODE);
	},
};

function native(name: string): (...args: any[]) => unknown {
	const fn = Object.hasOwn(natives, name) ? natives[name] : undefined;
	if (!fn)
		throw new Error(`native: no host function named ${name}`);
	return fn;
}

// Like XS: arguments concatenated, no newline added.
function trace(...items: (string | number | boolean)[]): void {
	process.stdout.write(items.join(""));
}

const encoder = new TextEncoder();
// A u-flag expression reads a surrogate pair as one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;

// The string's bytes as XS keeps them, as Moddable SDK 8.2.3 gives them (xsDataView.c
// fx_ArrayBuffer_fromString): its UTF-8, but a lone surrogate in its own 3 bytes, where TextEncoder
// would write U+FFFD. (XS keeps U+0000 as C0 80; fromString gives it as 00, like TextEncoder.)
function fromString(string: string): ArrayBuffer {
	if (!arguments.length)
		throw new TypeError("no argument");
	const text = String(string);
	if (!LONE_SURROGATE.test(text))
		return encoder.encode(text).buffer;
	const bytes: number[] = [];
	for (const character of text) {
		const c = character.codePointAt(0)!;
		if (LONE_SURROGATE.test(character))
			bytes.push(0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F));
		else
			bytes.push(...encoder.encode(character));
	}
	return Uint8Array.from(bytes).buffer;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function fromArrayBuffer(buffer: ArrayBufferLike): string {
	if (!(buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer))
		throw new TypeError("argument: not an ArrayBuffer instance");
	try {
		return utf8.decode(new Uint8Array(buffer));
	}
	catch {
		throw new TypeError("invalid UTF-8");
	}
}

// Calls and constructions without arguments read the board clock; everything else is the host's Date.
const HostDate = Date;
const BoardDate = new Proxy(HostDate, {
	construct: (target, args, newTarget) => Reflect.construct(target, args.length ? args : [boardNow()], newTarget),
	apply: () => new HostDate(boardNow()).toString(),
	get: (target, key, receiver) => key === "now" ? boardNow : Reflect.get(target, key, receiver),
});

// Non-enumerable, like XS's own globals and built-in functions.
const define = (object: object, name: string, value: unknown) =>
	Object.defineProperty(object, name, { value, writable: true, configurable: true, enumerable: false });

define(globalThis, "trace", trace);
define(globalThis, "native", native);
define(ArrayBuffer, "fromString", fromString);
define(String, "fromArrayBuffer", fromArrayBuffer);
define(globalThis, "Date", BoardDate);
