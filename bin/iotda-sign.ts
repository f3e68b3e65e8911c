#!/usr/bin/env node
// iotda-sign: Huawei Cloud IoTDA MQTT credentials (clientId, username, password) for MQTTX, mosquitto_pub
// and friends. Input errors print one line on stderr and exit 2; the secret is never printed.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sign } from "../lib/signer";

const USAGE = `Usage: iotda-sign --device-id ID [secret] [time] [--sign-type 0|1] [--auth-type 0|1|2] [--json]

Prints the IoTDA MQTT clientId, username and password of a device.

Secret (one of; prefer the last two, which keep it out of shell history):
  --secret S          the device secret
  --secret-stdin      read the secret from stdin (one trailing newline is dropped)
  IOTDA_SECRET=S      environment variable, used when neither option is given
Time (default: now):
  --timestamp YYYYMMDDHH   the UTC hour to sign for, e.g. 2018072417
  --time ISO8601           an instant with Z or an offset, e.g. 2018-07-24T17:56:20Z
Options:
  --sign-type 0|1     1 (default): the platform checks the timestamp; 0: it does not
  --auth-type 0|1|2   0 (default): deviceId; 1: one-model-one-secret; 2: nodeId
  --json              print {"clientId":..,"username":..,"password":..}
  --help              this text
`;

/** Bad command-line input: reported on one line, exit code 2. */
class InputError extends Error {}

const OPTIONS = {
  "device-id": { type: "string" },
  secret: { type: "string" },
  "secret-stdin": { type: "boolean" },
  timestamp: { type: "string" },
  time: { type: "string" },
  "sign-type": { type: "string" },
  "auth-type": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // A stray word could be a secret typed without its option: never repeat it.
    const code = (error as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new InputError("unexpected argument; see --help");
    if (code?.startsWith("ERR_PARSE_ARGS_")) throw new InputError(`${(error as Error).message.split("\n")[0]}; see --help`);
    throw error;
  }
}

/** Epoch ms of UTC fields as given; unlike Date.UTC, years 0-99 stay themselves. */
function utcMs(year: number, month: number, day: number, hour: number, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.setUTCHours(hour, minute, second);
}

/**
 * True when the fields name a real instant: the Date setters roll 2023-02-29 over into March and
 * hour 24 into the next day, but only a real date and time survives the round trip.
 */
function isReal(year: number, month: number, day: number, hour: number, minute = 0, second = 0): boolean {
  const back = new Date(utcMs(year, month, day, hour, minute, second));
  return (
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second
  );
}

/** Epoch ms of the start of a `YYYYMMDDHH` UTC hour, which must exist. */
function timestampToMs(stamp: string): number {
  const fields = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(stamp)?.slice(1).map(Number);
  if (!fields || !isReal(fields[0], fields[1], fields[2], fields[3])) {
    throw new InputError("timestamp: must be YYYYMMDDHH, a real UTC hour, e.g. 2018072417");
  }
  return utcMs(fields[0], fields[1], fields[2], fields[3]);
}

// Date-time with seconds and fraction optional, and a zone: without one JavaScript would read local time.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;

function isoToMs(text: string): number {
  const fields = ISO_8601.exec(text)?.slice(1).map((field) => Number(field ?? 0));
  // Date.parse alone would read 2018-02-30 as March 2 and 24:00 as the next day.
  const real = fields && isReal(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]) && fields[6] <= 23 && fields[7] <= 59;
  if (!real) throw new InputError("time: must be ISO 8601 with Z or an offset, a real date and time, e.g. 2018-07-24T17:56:20Z");
  return Date.parse(text);
}

/** A single decimal digit as a number; anything else as NaN, which the signer rejects by field name. */
function digit(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  return /^\d$/.test(text) ? Number(text) : NaN;
}

/** The bytes on standard input without one trailing newline (LF or CR LF). */
function readStdinSecret(): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(0);
  } catch (error) {
    // A directory, a closed descriptor, ...: the system's reason, which carries no input.
    throw new InputError(`secret: cannot read standard input (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end -= bytes[end - 2] === 0x0d ? 2 : 1;
  return bytes.subarray(0, end);
}

/** The secret as given: stdin's bytes go to the signer undecoded, so it refuses any that are not UTF-8. */
function readSecret(values: ReturnType<typeof parse>): string | Uint8Array {
  if (values.secret !== undefined && values["secret-stdin"]) throw new InputError("secret: use --secret or --secret-stdin, not both");
  if (values.secret !== undefined) return values.secret;
  if (values["secret-stdin"]) return readStdinSecret();
  const fromEnv = process.env.IOTDA_SECRET;
  if (fromEnv !== undefined) return fromEnv;
  throw new InputError("secret: required: --secret, --secret-stdin or IOTDA_SECRET");
}

function main(args: string[]): string {
  const values = parse(args);
  if (values.help) return USAGE;
  const deviceId = values["device-id"];
  if (deviceId === undefined) throw new InputError("deviceId: required: --device-id ID");
  if (values.timestamp !== undefined && values.time !== undefined) throw new InputError("time: use --timestamp or --time, not both");
  const time =
    values.timestamp !== undefined ? timestampToMs(values.timestamp) : values.time !== undefined ? isoToMs(values.time) : Date.now();
  const secret = readSecret(values);
  const { clientId, username, password } = sign({
    deviceId,
    secret,
    time,
    authType: digit(values["auth-type"], 0),
    signType: digit(values["sign-type"], 1),
  });
  if (values.json) return JSON.stringify({ clientId, username, password }) + "\n";
  return `clientId: ${clientId}\nusername: ${username}\npassword: ${password}\n`;
}

try {
  process.stdout.write(main(process.argv.slice(2)));
} catch (error) {
  // The signer's RangeError/TypeError messages name a field and limit and never carry a value.
  if (!(error instanceof InputError || error instanceof RangeError || error instanceof TypeError)) throw error;
  process.stderr.write(`iotda-sign: ${error.message}\n`);
  process.exitCode = 2;
}
