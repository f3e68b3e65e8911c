// Node binding of the AssemblyScript signing core (build/core.wasm; its ABI is documented in assembly/index.ts).
//
// Calls copy their inputs into the core's 512-byte input area and read results from its output area
// through views made once: the core never allocates, so its memory never grows and they stay valid.
import { readFileSync } from "node:fs";

interface Core {
  memory: WebAssembly.Memory;
  used(): number;
  in_ptr(): number;
  out_ptr(): number;
  credentials(idLength: number, secretLength: number, timeMs: number, authType: number, signType: number): number;
  hmac_hex(keyLength: number, messageLength: number): number;
  group_secret(idLength: number, secretLength: number): number;
  sha256_reset(): void;
  sha256_update(length: number): number;
  sha256_digest(): void;
  error_text(code: number): number;
}

export interface SignOptions {
  deviceId: string;
  /** Text, or its UTF-8 bytes; either must be well-formed UTF-8 (no lone surrogate). */
  secret: string | Uint8Array;
  /** The instant to sign for, a Date or epoch milliseconds; now when left out. */
  time?: Date | number;
  /** 0 = deviceId, 1 = one-model-one-secret, 2 = nodeId. */
  authType?: number;
  /** 0 = the platform does not check the timestamp, 1 = it does. */
  signType?: number;
}

export interface Credentials {
  clientId: string;
  username: string;
  password: string;
  /** UTC `YYYYMMDDHH`, the HMAC key and the clientId's last field. */
  timestamp: string;
}

/** The path of the core, also right from a bundle in dist/. */
export const CORE_URL = new URL("../build/core.wasm", import.meta.url);
// Synchronous compile: a 4 KiB module, and callers (the CLI, the host board) want no await.
const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(CORE_URL))).exports as unknown as Core;

const AREA_BYTES = 512;
/** A length the core rejects as too long, passed for text that did not fit the input area. */
const TOO_LONG = AREA_BYTES + 1;
const HEX_BYTES = 64;
/** Output layout of credentials(): password, stamp, clientId (assembly/index.ts). */
const STAMP_AT = HEX_BYTES;
const STAMP_END = STAMP_AT + 10;
const CLIENT_ID_AT = 76;

const input = new Uint8Array(core.memory.buffer, core.in_ptr(), AREA_BYTES);
// A Buffer for its native latin1 decoding; every byte the core writes as text is ASCII.
const output = Buffer.from(core.memory.buffer, core.out_ptr(), AREA_BYTES);

/**
 * What becomes of a lone surrogate (ill-formed UTF-16) in a string: U+FFFD, as node:crypto and
 * TextEncoder have it, or its own 3-byte form (generalized UTF-8, WTF-8), which is not UTF-8: the
 * core refuses it in a secret, as the device does for the same string.
 */
type LoneSurrogate = "replace" | "keep";

/** Writes `text` as UTF-8 at input[at..]; returns the end offset, or TOO_LONG when it does not fit. */
function writeText(text: string, at: number, lone: LoneSurrogate): number {
  const length = text.length;
  // UTF-8 never takes fewer bytes than UTF-16 code units, so this much is a sure overflow.
  if (at + length > AREA_BYTES) return TOO_LONG;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) return writeNonAscii(text, i, at + i, lone);
    input[at + i] = unit;
  }
  return at + length;
}

/** Writes text[from..] at input[at..] code point by code point; returns the end or TOO_LONG. */
function writeNonAscii(text: string, from: number, at: number, lone: LoneSurrogate): number {
  for (let i = from; i < text.length; i++) {
    let point = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (point >= 0xd800 && point <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      point = 0x10000 + ((point - 0xd800) << 10) + (next - 0xdc00);
      i++;
    } else if (point >= 0xd800 && point <= 0xdfff && lone === "replace") {
      point = 0xfffd;
    }
    const bytes = point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    if (at + bytes > AREA_BYTES) return TOO_LONG;
    // The lead byte: the point itself, or 110xxxxx, 1110xxxx, 11110xxx and its top bits.
    input[at] = bytes === 1 ? point : ((0xff00 >> bytes) & 0xff) | (point >> (6 * (bytes - 1)));
    for (let k = 1; k < bytes; k++) input[at + k] = 0x80 | ((point >> (6 * (bytes - 1 - k))) & 0x3f);
    at += bytes;
  }
  return at;
}

/** Writes text or bytes at input[at..]; returns the end offset or TOO_LONG. */
function writeInput(data: string | Uint8Array, at: number, lone: LoneSurrogate): number {
  if (typeof data === "string") return writeText(data, at, lone);
  if (at + data.length > AREA_BYTES) return TOO_LONG;
  input.set(data, at);
  return at + data.length;
}

/** The core's message for a negative code. */
function errorMessage(code: number): string {
  return output.toString("latin1", 0, core.error_text(code));
}

function isText(value: unknown): value is string | Uint8Array {
  return typeof value === "string" || value instanceof Uint8Array;
}

/** An int32 as is; anything else as -1, which the core rejects with the field's own message. */
function int32OrInvalid(value: unknown): number {
  return typeof value === "number" && (value | 0) === value ? value : -1;
}

/** IoTDA MQTT credentials for one device at one instant; throws with the field and limit on bad input. */
export function sign(options: SignOptions): Credentials {
  if (typeof options !== "object" || options === null) throw new TypeError("options: must be an object { deviceId, secret, time?, authType?, signType? }");
  const { deviceId, secret, time, authType = 0, signType = 1 } = options;
  if (typeof deviceId !== "string") throw new TypeError("deviceId: must be a string");
  if (!isText(secret)) throw new TypeError("secret: must be a string or its UTF-8 bytes");
  const ms = time === undefined ? Date.now() : time instanceof Date ? time.getTime() : time;
  if (typeof ms !== "number") throw new TypeError("time: must be a Date or epoch milliseconds");
  // Strings reach the core as they are, lone surrogates included, for it to accept or refuse.
  const idEnd = writeText(deviceId, 0, "keep");
  // An id that did not fit is rejected before the secret's length is looked at.
  const secretEnd = idEnd === TOO_LONG ? idEnd : writeInput(secret, idEnd, "keep");
  const secretLength = secretEnd === TOO_LONG ? TOO_LONG : secretEnd - idEnd;
  let result: number;
  try {
    result = core.credentials(idEnd, secretLength, ms, int32OrInvalid(authType), int32OrInvalid(signType));
  } finally {
    input.fill(0, 0, Math.min(secretEnd, AREA_BYTES));
  }
  if (result < 0) throw new RangeError(errorMessage(result));
  const credentials = {
    clientId: output.toString("latin1", CLIENT_ID_AT, CLIENT_ID_AT + result),
    username: deviceId,
    password: output.toString("latin1", 0, HEX_BYTES),
    timestamp: output.toString("latin1", STAMP_AT, STAMP_END),
  };
  output.fill(0, 0, CLIENT_ID_AT + result);
  return credentials;
}

/**
 * The secret of a device of an IoTDP registration group: hex(HMAC-SHA256(key = deviceId, message =
 * groupSecret decoded from Base64)), what the device signs with (sign()'s secret) and what IoTDA
 * registers it with. Throws RangeError naming the field and its limit, never a value.
 */
export function groupSecret(deviceId: string, groupSecret: string): string {
  if (typeof deviceId !== "string") throw new TypeError("deviceId: must be a string");
  if (typeof groupSecret !== "string") throw new TypeError("groupSecret: must be a string");
  const idEnd = writeText(deviceId, 0, "keep");
  const secretEnd = idEnd === TOO_LONG ? idEnd : writeText(groupSecret, idEnd, "keep");
  // Decoded in place: the group secret's bytes are in the area until hexOut wipes it.
  return hexOut(() => core.group_secret(idEnd, secretEnd === TOO_LONG ? TOO_LONG : secretEnd - idEnd), secretEnd);
}

/**
 * Lowercase hex HMAC-SHA256; key and message (UTF-8 text, a lone surrogate read as U+FFFD as
 * node:crypto reads it, or bytes) together at most 512 bytes. The core
 * keeps the last key to reuse its midstates: meant for public keys such as IoTDA's hour stamps.
 */
export function hmacHex(key: string | Uint8Array, message: string | Uint8Array): string {
  if (!isText(key)) throw new TypeError("key: must be a string or Uint8Array");
  if (!isText(message)) throw new TypeError("message: must be a string or Uint8Array");
  const keyEnd = writeInput(key, 0, "replace");
  const messageEnd = keyEnd === TOO_LONG ? keyEnd : writeInput(message, keyEnd, "replace");
  // The message may well be a secret, as it is in IoTDA signing.
  return hexOut(() => core.hmac_hex(keyEnd, messageEnd === TOO_LONG ? TOO_LONG : messageEnd - keyEnd), messageEnd);
}

/** Runs a core call that writes 64 hex characters at OUT; wipes input[0..inputEnd) and that hex after. */
function hexOut(call: () => number, inputEnd: number): string {
  let result: number;
  try {
    result = call();
  } finally {
    input.fill(0, 0, Math.min(inputEnd, AREA_BYTES));
  }
  if (result < 0) throw new RangeError(errorMessage(result));
  const hex = output.toString("latin1", 0, HEX_BYTES);
  output.fill(0, 0, HEX_BYTES);
  return hex;
}

/** Whether a streaming hash was started and not finished (the C binding keeps the same state). */
let hashing = false;
const NOT_STARTED = "sha256: no hash started (or the core was reset since)";

/** Starts a streaming SHA-256 on the core, dropping any unfinished one. */
export function sha256Start(): void {
  core.sha256_reset();
  hashing = true;
}

/** Hashes `bytes` into the started hash, through the input area. */
export function sha256Update(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes: must be a Uint8Array");
  if (!hashing) throw new Error(NOT_STARTED);
  for (let at = 0; at < bytes.length; at += AREA_BYTES) {
    const chunk = bytes.subarray(at, at + AREA_BYTES);
    input.set(chunk);
    core.sha256_update(chunk.length);
  }
}

/** Ends the started hash: its 32-byte digest (a copy, not a view the next call overwrites). */
export function sha256Finish(): Uint8Array {
  if (!hashing) throw new Error(NOT_STARTED);
  hashing = false;
  core.sha256_digest();
  return new Uint8Array(output.subarray(0, 32));
}

/** SHA-256 of any number of bytes, streamed through the input area. */
export function sha256(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes: must be a Uint8Array");
  sha256Start();
  sha256Update(bytes);
  return sha256Finish();
}

/** A copy of the core's memory up to used(), for tests that look for leftovers and for size figures. */
export function coreMemory(): Uint8Array {
  return new Uint8Array(core.memory.buffer.slice(0, core.used()));
}
