// On-device benchmark (cannot run on the host): microseconds per IoTDA password signing on XS, through
// the wasm2c core (native xs_iotda_credentials), Moddable's hmac + Digest("SHA256"), and plain JS.
// Build and run: cd bench/moddable && mcconfig -d -m -p esp32 (after npm run build:c).
import { Digest } from "crypt";
import HMAC from "hmac";
import Time from "time";

const ROUNDS = 50;
const DEVICE_ID = "5a9e_node-1";
const SECRET = "12345678";
const TIME_MS = Date.UTC(2025, 3, 14, 1, 30); // timestamp 2025041401: Huawei's published vector
const TIMESTAMP = "2025041401";
const EXPECTED = "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a";

const credentials = native("xs_iotda_credentials");

// Time.microseconds comes from the microseconds module the manifest adds on esp32; elsewhere, ms ticks.
const now = (): number => Time.microseconds ?? Time.ticks * 1000;

function hex(buffer: ArrayBuffer): string {
	let text = "";
	for (const byte of new Uint8Array(buffer)) text += (byte < 16 ? "0" : "") + byte.toString(16);
	return text;
}

// Plain JS SHA-256 / HMAC, the way app code would write it without a native module.
const K = Uint32Array.of(
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
const W = new Uint32Array(64);

function sha256(message: Uint8Array): Uint8Array {
	const blocks = (message.length + 72) >> 6; // room for 0x80 and the 8-byte bit length
	const padded = new Uint8Array(blocks * 64);
	padded.set(message);
	padded[message.length] = 0x80;
	new DataView(padded.buffer).setUint32(padded.length - 4, message.length * 8); // messages < 512 MiB
	const H = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
	const view = new DataView(padded.buffer);
	for (let block = 0; block < padded.length; block += 64) {
		for (let i = 0; i < 16; i++) W[i] = view.getUint32(block + 4 * i);
		for (let i = 16; i < 64; i++) {
			const a = W[i - 15], b = W[i - 2];
			const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
			const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
			W[i] = W[i - 16] + s0 + W[i - 7] + s1;
		}
		let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
		for (let i = 0; i < 64; i++) {
			const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
			const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
			const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
			const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
			h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
		}
		H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
	}
	const digest = new Uint8Array(32);
	for (let i = 0; i < 8; i++) new DataView(digest.buffer).setUint32(4 * i, H[i]);
	return digest;
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
	const block = new Uint8Array(64);
	block.set(key.length > 64 ? sha256(key) : key);
	const inner = new Uint8Array(64 + message.length);
	const outer = new Uint8Array(64 + 32);
	for (let i = 0; i < 64; i++) {
		inner[i] = block[i] ^ 0x36;
		outer[i] = block[i] ^ 0x5c;
	}
	inner.set(message, 64);
	outer.set(sha256(inner), 64);
	return sha256(outer);
}

const bytes = (text: string) => new Uint8Array(ArrayBuffer.fromString(text));

function bench(name: string, sign: () => string): void {
	const password = sign();
	if (password !== EXPECTED) {
		trace(`${name}: WRONG password ${password}\n`);
		return;
	}
	const start = now();
	for (let i = 0; i < ROUNDS; i++) sign();
	trace(`${name}: ${((now() - start) / ROUNDS).toFixed(1)} us per signing\n`);
}

bench("wasm2c core (native)", () => credentials(DEVICE_ID, SECRET, TIME_MS, 0, 1).password);
bench("Moddable hmac + Digest", () => hex(new HMAC(new Digest("SHA256"), ArrayBuffer.fromString(TIMESTAMP)).process(SECRET)));
bench("plain JS", () => hex(hmacSha256(bytes(TIMESTAMP), bytes(SECRET)).buffer as ArrayBuffer));
