// Strict UTF-8 for MQTT strings and text payloads. Our XS module set has no TextEncoder, and
// ArrayBuffer.fromString would silently encode lone surrogates, which MQTT forbids (1.5.3).
// `nulAllowed` is false for MQTT strings (U+0000 is forbidden there, MQTT-1.5.3-2) and true for
// payloads and the password, which are binary data on the wire.

import { MqttError } from "./packets";

// String indexes a character above U+FFFF takes: 2 (a surrogate pair) in Node and in CESU-8 builds of
// XS (xst), 1 on the device, whose XS keeps strings as UTF-8 and counts and indexes them by character.
const ASTRAL_INDEXES = "\u{10000}".length;
// Called on the string, not as text.codePointAt(i): XS wraps a primitive in a String object for each
// method looked up on it, two slots per character and pass, garbage the collector must then reclaim.
const codePointAt = String.prototype.codePointAt;

// Byte length of `text` as UTF-8; throws if it is not well-formed UTF-16 or holds a forbidden U+0000.
export function utf8Length(text: string, field: string, nulAllowed: boolean): number {
	let length = 0;
	for (let i = 0; i < text.length; i++) {
		// codePointAt joins a surrogate pair (where the engine has pairs) and returns a lone surrogate as itself
		const c = codePointAt.call(text, i)!;
		if (c < 0x80) {
			if (c === 0 && !nulAllowed) throw new MqttError(`${field}: must not contain U+0000`);
			length += 1;
		}
		else if (c < 0x800) length += 2;
		else if (c < 0x10000) {
			if (c >= 0xD800 && c <= 0xDFFF) throw new MqttError(`${field}: must not contain a lone surrogate`);
			length += 3;
		}
		else {
			length += 4;
			i += ASTRAL_INDEXES - 1;	// past the low half of a pair
		}
	}
	return length;
}

// Writes `text` at out[at...] and returns the offset after it. The caller validated `text` with
// utf8Length and sized `out` by it, so this pass only writes.
export function writeUtf8(text: string, out: Uint8Array, at: number): number {
	for (let i = 0; i < text.length; i++) {
		const c = codePointAt.call(text, i)!;
		if (c < 0x80) out[at++] = c;
		else if (c < 0x800) {
			out[at++] = 0xC0 | (c >> 6);
			out[at++] = 0x80 | (c & 0x3F);
		}
		else if (c < 0x10000) {
			out[at++] = 0xE0 | (c >> 12);
			out[at++] = 0x80 | ((c >> 6) & 0x3F);
			out[at++] = 0x80 | (c & 0x3F);
		}
		else {
			out[at++] = 0xF0 | (c >> 18);
			out[at++] = 0x80 | ((c >> 12) & 0x3F);
			out[at++] = 0x80 | ((c >> 6) & 0x3F);
			out[at++] = 0x80 | (c & 0x3F);
			i += ASTRAL_INDEXES - 1;
		}
	}
	return at;
}

export function encodeUtf8(text: string, field: string, nulAllowed: boolean): Uint8Array {
	const out = new Uint8Array(utf8Length(text, field, nulAllowed));
	writeUtf8(text, out, 0);
	return out;
}

// Decodes well-formed UTF-8 only (Unicode 3.9 table 3-7): no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequences.
export function decodeUtf8(bytes: Uint8Array, field: string, nulAllowed: boolean): string {
	let text = "";
	// UTF-16 units are gathered and flushed in slices: one string concatenation per slice instead of
	// per character (XS strings are flat, so each += copies), and few enough spread arguments for
	// fromCharCode to fit the XS stack (512 slots in our ESP32 manifests).
	const units: number[] = [];
	for (let i = 0; i < bytes.length;) {
		const b = bytes[i++];
		let c: number;
		if (b < 0x80) {
			if (b === 0 && !nulAllowed) throw new MqttError(`${field}: must not contain U+0000`);
			c = b;
		}
		else {
			// the lead byte fixes the sequence length and the allowed range of the second byte,
			// which is what excludes overlong forms, surrogates and code points above U+10FFFF
			let more: number, low = 0x80, high = 0xBF;
			if (b >= 0xC2 && b <= 0xDF) more = 1;
			else if (b >= 0xE0 && b <= 0xEF) {
				more = 2;
				if (b === 0xE0) low = 0xA0;
				else if (b === 0xED) high = 0x9F;
			}
			else if (b >= 0xF0 && b <= 0xF4) {
				more = 3;
				if (b === 0xF0) low = 0x90;
				else if (b === 0xF4) high = 0x8F;
			}
			else throw new MqttError(`${field}: not well-formed UTF-8`);
			c = b & (0x3F >> more);
			for (; more > 0; more--) {
				const next = bytes[i++];	// undefined past the end fails the range test below
				if (!(next >= low && next <= high)) throw new MqttError(`${field}: not well-formed UTF-8`);
				c = (c << 6) | (next & 0x3F);
				low = 0x80;
				high = 0xBF;
			}
		}
		if (c < 0x10000) units.push(c);
		else units.push(0xD800 | ((c - 0x10000) >> 10), 0xDC00 | (c & 0x3FF));
		if (units.length >= 64) {
			text += String.fromCharCode(...units);
			units.length = 0;
		}
	}
	return text + String.fromCharCode(...units);
}
