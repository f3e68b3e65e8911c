// The bundled CLI as users run it: node dist/iotda-sign.js, rebuilt first so it matches the sources.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { before, test } from "node:test";
import { credentialsAt } from "../fixtures/iotda";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "cli-Secret-4711";
const ID = ["--device-id", "dev1"];
const HOUR = ["--timestamp", "2025041401"];
const expected = credentialsAt("dev1", SECRET, Date.UTC(2025, 3, 14, 1));

/** Runs the CLI with `input` on stdin, or with stdin opened on `stdinPath`. */
function run(args: string[], options: { env?: Record<string, string>; input?: string | Buffer; stdinPath?: string } = {}) {
  const env = { ...process.env, ...options.env };
  if (!options.env?.IOTDA_SECRET) delete env.IOTDA_SECRET;
  const stdin = options.stdinPath === undefined ? "pipe" : openSync(options.stdinPath, "r");
  try {
    const r = spawnSync(process.execPath, ["dist/iotda-sign.js", ...args], { cwd: root, env, input: options.input ?? "", stdio: [stdin, "pipe", "pipe"], encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    if (typeof stdin === "number") closeSync(stdin);
  }
}

before(() => {
  execFileSync("npm", ["run", "--silent", "build:cli"], { cwd: root, stdio: "ignore" });
});

test("--json prints clientId, username and password", () => {
  const r = run([...ID, "--secret", SECRET, ...HOUR, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { clientId: expected.clientId, username: "dev1", password: expected.password });
});

test("plain output names the three fields", () => {
  const r = run([...ID, "--secret", SECRET, "--time", "2025-04-14T09:30:00+08:00"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `clientId: ${expected.clientId}\nusername: dev1\npassword: ${expected.password}\n`);
});

test("the secret can come from IOTDA_SECRET", () => {
  const r = run([...ID, ...HOUR, "--json"], { env: { IOTDA_SECRET: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).password, expected.password);
});

test("the secret can come from stdin, without its trailing newline", () => {
  const r = run([...ID, "--secret-stdin", ...HOUR, "--json"], { input: `${SECRET}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).password, expected.password);
});

test("sign and auth types reach the clientId; the default time is the current hour", () => {
  const r = run([...ID, "--secret", SECRET, "--sign-type", "0", "--auth-type", "2", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const { clientId } = JSON.parse(r.stdout);
  assert.match(clientId, /^dev1_2_0_\d{10}$/);
  const hours = [Date.now() - 3_600_000, Date.now()].map((ms) => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, ""));
  assert.ok(hours.includes(clientId.slice(-10)), clientId);
});

test("--help prints usage and exits 0", () => {
  const r = run(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: iotda-sign /);
});

const BAD: [string, string[], string][] = [
  ["missing deviceId", ["--secret", SECRET], "deviceId: required: --device-id ID"],
  ["missing secret", [...ID], "secret: required: --secret, --secret-stdin or IOTDA_SECRET"],
  ["two secret sources", [...ID, "--secret", SECRET, "--secret-stdin"], "secret: use --secret or --secret-stdin, not both"],
  ["bad deviceId", ["--device-id", "dev.1", "--secret", SECRET], "deviceId: only letters, digits, '_' and '-'"],
  ["timestamp of 9 digits", [...ID, "--secret", SECRET, "--timestamp", "201807241"], "timestamp: must be YYYYMMDDHH, a real UTC hour, e.g. 2018072417"],
  ["timestamp hour 24", [...ID, "--secret", SECRET, "--timestamp", "2018072424"], "timestamp: must be YYYYMMDDHH, a real UTC hour, e.g. 2018072417"],
  ["timestamp on 2023-02-29", [...ID, "--secret", SECRET, "--timestamp", "2023022900"], "timestamp: must be YYYYMMDDHH, a real UTC hour, e.g. 2018072417"],
  ["timestamp in 1969", [...ID, "--secret", SECRET, "--timestamp", "1969123123"], "time: must be within years 1970-9999 UTC"],
  ...["2018-07-24T17:56:20", "2018-02-30T00:00:00Z", "2018-04-31T00:00Z", "2023-02-29T12:00Z", "2018-13-01T00:00Z", "2018-07-00T00:00Z",
    "2018-07-24T24:00:00Z", "2018-07-24T23:60Z", "2018-07-24T23:59:60Z", "2018-07-24T12:00+24:00", "2018-07-24T12:00-05:60"].map(
    (time): [string, string[], string] => [`--time ${time}`, [...ID, "--secret", SECRET, "--time", time], "time: must be ISO 8601 with Z or an offset, a real date and time, e.g. 2018-07-24T17:56:20Z"],
  ),
  ["time in 1969", [...ID, "--secret", SECRET, "--time", "1969-12-31T23:59:59Z"], "time: must be within years 1970-9999 UTC"],
  ["time in year 50, not 1950", [...ID, "--secret", SECRET, "--time", "0050-01-01T00:00Z"], "time: must be within years 1970-9999 UTC"],
  ["time and timestamp", [...ID, "--secret", SECRET, ...HOUR, "--time", "2018-07-24T17:56:20Z"], "time: use --timestamp or --time, not both"],
  ["auth type 3", [...ID, "--secret", SECRET, "--auth-type", "3"], "authType: must be 0, 1 or 2"],
  ["sign type x", [...ID, "--secret", SECRET, "--sign-type", "x"], "signType: must be 0 or 1"],
  ["secret given as a stray argument", [...ID, SECRET], "unexpected argument; see --help"],
  ["unknown option", [...ID, "--secret", SECRET, "--bogus"], "Unknown option '--bogus'; see --help"],
];

for (const [name, args, message] of BAD) {
  test(`exit 2 on ${name}, secret not echoed`, () => {
    const r = run(args);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `iotda-sign: ${message}\n`);
    assert.ok(!r.stderr.includes(SECRET));
  });
}

test("--time takes the last day of February in a leap year and the last second of a day", () => {
  for (const [time, hour] of [["2024-02-29T12:00:00Z", "2024022912"], ["2018-07-24T23:59:59.999+00:00", "2018072423"]]) {
    const r = run([...ID, "--secret", SECRET, "--time", time, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).clientId, `dev1_0_1_${hour}`);
  }
});

test("a secret on stdin that is not UTF-8 is refused, not signed as U+FFFD", () => {
  for (const bytes of [[0xff, 0xfe], [0xed, 0xa0, 0x80], [0xc0, 0xaf, 0x0a]]) {
    const r = run([...ID, "--secret-stdin", ...HOUR], { input: Buffer.from(bytes) });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "iotda-sign: secret: must be valid UTF-8\n");
  }
});

test("a secret on stdin is its bytes: NUL kept, one CR LF dropped", () => {
  const r = run([...ID, "--secret-stdin", ...HOUR, "--json"], { input: Buffer.from("a\0b\r\n") });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).password, credentialsAt("dev1", "a\0b", Date.UTC(2025, 3, 14, 1)).password);
});

test("an unreadable stdin gives one line and exit 2", () => {
  const r = run([...ID, "--secret-stdin", ...HOUR], { stdinPath: tmpdir() });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "iotda-sign: secret: cannot read standard input (EISDIR)\n");
});

test("an over-long secret from the environment is rejected without being echoed", () => {
  const r = run([...ID], { env: { IOTDA_SECRET: SECRET.repeat(30) } });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "iotda-sign: secret: at most 256 bytes\n");
});
