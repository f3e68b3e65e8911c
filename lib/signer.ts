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
  sha256_reset(): void;
  sha256_update(length: number): number;
  sha256_digest(): void;
  error_text(code: number): number;
}

export interface SignOptions {
  deviceId: string;
  secret: string;
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
const encoder = new TextEncoder();

/** Writes `text` as UTF-8 at input[at..]; returns the end offset, or TOO_LONG when it does not fit. */
function writeText(text: string, at: number): number {
  const length = text.length;
  // UTF-8 never takes fewer bytes than UTF-16 code units, so this much is a sure overflow.
  if (at + length > AREA_BYTES) return TOO_LONG;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) {
      // Not ASCII: let the encoder redo the whole text; `read` falls short when it ran out of room.
      const { read, written } = encoder.encodeInto(text, input.subarray(at));
      return read < length ? TOO_LONG : at + written;
    }
    input[at + i] = unit;
  }
  return at + length;
}

/** Writes text or bytes at input[at..]; returns the end offset or TOO_LONG. */
function writeInput(data: string | Uint8Array, at: number): number {
  if (typeof data === "string") return writeText(data, at);
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
export function sign({ deviceId, secret, time, authType = 0, signType = 1 }: SignOptions): Credentials {
  if (typeof deviceId !== "string") throw new TypeError("deviceId: must be a string");
  if (typeof secret !== "string") throw new TypeError("secret: must be a string");
  const ms = time === undefined ? Date.now() : time instanceof Date ? time.getTime() : time;
  if (typeof ms !== "number") throw new TypeError("time: must be a Date or epoch milliseconds");
  const idEnd = writeText(deviceId, 0);
  // An id that did not fit is rejected before the secret's length is looked at.
  const secretEnd = idEnd === TOO_LONG ? idEnd : writeText(secret, idEnd);
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
 * Lowercase hex HMAC-SHA256; key and message (UTF-8 text or bytes) together at most 512 bytes. The core
 * keeps the last key to reuse its midstates: meant for public keys such as IoTDA's hour stamps.
 */
export function hmacHex(key: string | Uint8Array, message: string | Uint8Array): string {
  if (!isText(key)) throw new TypeError("key: must be a string or Uint8Array");
  if (!isText(message)) throw new TypeError("message: must be a string or Uint8Array");
  const keyEnd = writeInput(key, 0);
  const messageEnd = keyEnd === TOO_LONG ? keyEnd : writeInput(message, keyEnd);
  let result: number;
  try {
    result = core.hmac_hex(keyEnd, messageEnd === TOO_LONG ? TOO_LONG : messageEnd - keyEnd);
  } finally {
    // The message may well be a secret, as it is in IoTDA signing.
    input.fill(0, 0, Math.min(messageEnd, AREA_BYTES));
  }
  if (result < 0) throw new RangeError(errorMessage(result));
  const hex = output.toString("latin1", 0, HEX_BYTES);
  output.fill(0, 0, HEX_BYTES);
  return hex;
}

/** SHA-256 of any number of bytes, streamed through the input area. */
export function sha256(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes: must be a Uint8Array");
  core.sha256_reset();
  for (let at = 0; at < bytes.length; at += AREA_BYTES) {
    const chunk = bytes.subarray(at, at + AREA_BYTES);
    input.set(chunk);
    core.sha256_update(chunk.length);
  }
  core.sha256_digest();
  return new Uint8Array(output.subarray(0, 32)); // a copy, not a view the next call overwrites
}

/** A copy of the core's memory up to used(), for tests that look for leftovers and for size figures. */
export function coreMemory(): Uint8Array {
  return new Uint8Array(core.memory.buffer.slice(0, core.used()));
}
