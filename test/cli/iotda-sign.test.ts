// The bundled CLI as users run it: node dist/iotda-sign.js, rebuilt first so it matches the sources.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { before, test } from "node:test";
import { credentialsAt } from "../fixtures/iotda";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "cli-Secret-4711";
const ID = ["--device-id", "dev1"];
const HOUR = ["--timestamp", "2025041401"];
const expected = credentialsAt("dev1", SECRET, Date.UTC(2025, 3, 14, 1));

function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const env = { ...process.env, ...options.env };
  if (!options.env?.IOTDA_SECRET) delete env.IOTDA_SECRET;
  const r = spawnSync(process.execPath, ["dist/iotda-sign.js", ...args], { cwd: root, env, input: options.input ?? "", encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
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
  ["time without a zone", [...ID, "--secret", SECRET, "--time", "2018-07-24T17:56:20"], "time: must be ISO 8601 with Z or an offset, e.g. 2018-07-24T17:56:20Z"],
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

test("an over-long secret from the environment is rejected without being echoed", () => {
  const r = run([...ID], { env: { IOTDA_SECRET: SECRET.repeat(30) } });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "iotda-sign: secret: at most 256 bytes\n");
});
