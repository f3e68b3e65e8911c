// Broker log values: plain ones stay readable, everything else is quoted so a line stays one line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { line, logValue } from "../../broker/log";

test("plain values stay bare", () => {
  for (const value of ["dev1_0_1_2025041401", "$oc/devices/dev1/sys/properties/report", "设备-1", "🔌", "120"]) {
    assert.equal(logValue(value), value);
  }
  assert.equal(logValue(4), "4");
});

test("anything else is a JSON string of printable characters that reads back as the value", () => {
  const cases = ["", "a b", 'a"b', "a\\b", "request_id=1", "a\nb", "\r", "\t", "\x7f", "\x85", "\u2028", "\u2029",
    "\u202e", "\ufeff", "\ud800", "x\udc00y", "\u{e0001}", "\u00a0"];
  for (const value of cases) {
    const out = logValue(value);
    assert.match(out, /^"[^\p{C}\p{Zl}\p{Zp}]*"$/u, JSON.stringify(value));
    assert.equal(JSON.parse(out), value);
  }
  assert.equal(logValue("a\nb"), '"a\\nb"');
  assert.equal(logValue("\u2028"), '"\\u2028"');
});

test("line quotes each interpolated value and nothing else", () => {
  assert.equal(line`connect refused clientId=${"a\nb"} code=${2} reason=${"unknown device"}`,
    'connect refused clientId="a\\nb" code=2 reason="unknown device"');
  assert.equal(line`no values`, "no values");
});
