// Typing for the Moddable SDK's "hmac" module (modules/crypt/etc/hmac.js), which ships none.
declare module "hmac" {
	import type { Digest } from "crypt";
	export default class HMAC {
		constructor(digest: Digest, key: ArrayBuffer | Uint8Array, bitlen?: number);
		/** Restarts with the key, writes every item, returns the MAC. */
		process(...items: (ArrayBuffer | string)[]): ArrayBuffer;
	}
}
