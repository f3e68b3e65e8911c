// The part of the Moddable SDK's typings/crypt.d.ts this benchmark uses, for the repo's own type
// check only: the device build takes the SDK's file (this one is not in manifest.json).
declare module "crypt" {
	export class Digest {
		constructor(type: "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512");
		write(message: string | ArrayBuffer): void;
		close(): ArrayBuffer;
		reset(): void;
	}
}
