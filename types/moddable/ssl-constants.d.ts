// The TLS constants of the SDK's ssl/constants that src/tls/ciphersuites.ts uses.
declare module "ssl/constants" {
	export const ECDHE_RSA: number;
	export const AES: number;
	export const SHA256: number;
	export const CBC: number;
	export const GCM: number;
}
