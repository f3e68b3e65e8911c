// Strict UTF-8 for MQTT strings and text payloads. Our XS module set has no TextEncoder; a string's
// UTF-8 is made from ArrayBuffer.fromString, which copies XS's own bytes of it in one pass, checked
// and rewritten where XS's storage is not UTF-8: MQTT forbids lone surrogates (1.5.3), which
// fromString keeps. The string is never indexed by character: XS keeps it as UTF-8, so finding a
// character by index (and a string's length) scans it from the start, and a pass that indexes is
// quadratic on the device.
// `nulAllowed` is false for MQTT strings (U+0000 is forbidden there, MQTT-1.5.3-2) and true for
// payloads and the password, which are binary data on the wire.

import { MqttError } from "./packets";

// The UTF-8 of `text`: the buffer fromString made (one allocation of the string's size per string,
// and its view), rewritten in place, as it only ever gets shorter. Throws MqttError naming `field`
// for a lone surrogate, for a U+0000 where it is not allowed, and for bytes that are no UTF-8 at all
// (an XS string made by String.fromArrayBuffer, which checks only the shape of each sequence).
export function encodeUtf8(text: string, field: string, nulAllowed: boolean): Uint8Array {
	const bytes = new Uint8Array(ArrayBuffer.fromString(text));
	const end = bytes.length;
	// As many bytes as characters (UTF-16 units in Node) is ASCII, U+0000 included, with nothing to
	// rewrite: checked by a count and a search in C, the common case costs no loop here. (Every
	// string XS makes is shaped as UTF-8, a lead byte with its continuation bytes, so no other byte
	// can stand alone.)
	if (text.length === end) {
		if (!nulAllowed && bytes.indexOf(0) >= 0) throw new MqttError(`${field}: must not contain U+0000`);
		return bytes;
	}
	let w = 0;
	for (let i = 0; i < end;) {
		const b = bytes[i];
		if (b < 0x80) {
			if (b === 0 && !nulAllowed) throw new MqttError(`${field}: must not contain U+0000`);
			bytes[w++] = b;
			i++;
			continue;
		}
		const length = sequenceLength(bytes, i);
		if (length) {
			if (w === i) w = i += length;	// nothing rewritten yet: the bytes stay where they are
			else for (const stop = i + length; i < stop;) bytes[w++] = bytes[i++];
		}
		else if (b === 0xC0 && bytes[i + 1] === 0x80) {
			// XS keeps U+0000 as C0 80, so that C sees no NUL in a string; the fromString of Moddable
			// SDK 8.2.3 gives it as 00 already, XS 13.3's (our XS test host) as it is
			if (!nulAllowed) throw new MqttError(`${field}: must not contain U+0000`);
			bytes[w++] = 0;
			i += 2;
		}
		else if (b === 0xED && bytes[i + 1] >= 0xA0 && bytes[i + 1] <= 0xBF && (bytes[i + 2] & 0xC0) === 0x80) {
			// A surrogate, which XS keeps in its own 3 bytes: a high one just before a low one is a
			// character XS never joined (a string ending in one concatenated with a string starting
			// with the other); any other is lone. Past the end, undefined fails the tests.
			const b4 = bytes[i + 4];
			if (!(bytes[i + 1] <= 0xAF && bytes[i + 3] === 0xED && b4 >= 0xB0 && b4 <= 0xBF && (bytes[i + 5] & 0xC0) === 0x80))
				throw new MqttError(`${field}: must not contain a lone surrogate`);
			const c = 0x10000 + (((bytes[i + 1] & 0x0F) << 16) | ((bytes[i + 2] & 0x3F) << 10) | ((b4 & 0x0F) << 6) | (bytes[i + 5] & 0x3F));
			bytes[w++] = 0xF0 | (c >> 18);
			bytes[w++] = 0x80 | ((c >> 12) & 0x3F);
			bytes[w++] = 0x80 | ((c >> 6) & 0x3F);
			bytes[w++] = 0x80 | (c & 0x3F);
			i += 6;
		}
		else throw new MqttError(`${field}: not well-formed UTF-8`);
	}
	return w === end ? bytes : bytes.subarray(0, w);
}

// The length of the well-formed UTF-8 sequence at bytes[i], a byte of at least 0x80 (Unicode 3.9
// table 3-7), or 0 if there is none: no overlong forms, no surrogates, nothing above U+10FFFF, no
// truncated sequences. The lead byte fixes the length and the allowed range of the second byte,
// which is what excludes the first three. Past the end, undefined fails every test.
function sequenceLength(bytes: Uint8Array, i: number): number {
	const b = bytes[i], second = bytes[i + 1];
	if (b < 0xC2 || b > 0xF4) return 0;
	if (b < 0xE0) return (second & 0xC0) === 0x80 ? 2 : 0;
	const low = b === 0xE0 ? 0xA0 : b === 0xF0 ? 0x90 : 0x80;
	const high = b === 0xED ? 0x9F : b === 0xF4 ? 0x8F : 0xBF;
	if (!(second >= low && second <= high) || (bytes[i + 2] & 0xC0) !== 0x80) return 0;
	if (b < 0xF0) return 3;
	return (bytes[i + 3] & 0xC0) === 0x80 ? 4 : 0;
}

// Decodes well-formed UTF-8 only (see sequenceLength).
export function decodeUtf8(bytes: Uint8Array, field: string, nulAllowed: boolean): string {
	let text = "";
	// UTF-16 units are gathered and flushed in slices: one string concatenation per slice instead of
	// per character (XS strings are flat, so each += copies), and few enough spread arguments for
	// fromCharCode to fit the XS stack (512 slots in our ESP32 manifests).
	const units: number[] = [];
	for (let i = 0; i < bytes.length;) {
		const b = bytes[i];
		let c: number;
		if (b < 0x80) {
			if (b === 0 && !nulAllowed) throw new MqttError(`${field}: must not contain U+0000`);
			c = b;
			i++;
		}
		else {
			const length = sequenceLength(bytes, i);
			if (!length) throw new MqttError(`${field}: not well-formed UTF-8`);
			c = b & (0x7F >> length);
			for (const stop = i + length; ++i < stop;) c = (c << 6) | (bytes[i] & 0x3F);
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
