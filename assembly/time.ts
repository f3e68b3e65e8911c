// UTC hour stamps `YYYYMMDDHH` from epoch milliseconds.
//
// Integer arithmetic on the double's bits: the device has no FPU, so every f64 operation would be a
// library call of tens to hundreds of instructions.

/** Characters of a stamp. */
export const STAMP_BYTES: i32 = 10;
/** Epoch ms of 10000-01-01T00:00:00Z, the first instant after year 9999. */
const END_MS: f64 = 253402300800000;
const END_BITS = reinterpret<u64>(END_MS);
/** -0 ms is 0 ms, though its sign bit is set. */
const NEGATIVE_ZERO_BITS = reinterpret<u64>(-0.0);
const HOUR_MS: u64 = 3600000;

/** True for 1970-01-01T00:00:00.000Z <= ms < 10000-01-01; false for NaN and infinities too. */
export function isStampable(ms: f64): bool {
  // Read as unsigned integers, the bits of non-negative doubles order like their values; negative
  // numbers (sign bit set), infinity and NaN all compare above END_BITS.
  const bits = reinterpret<u64>(ms);
  return bits < END_BITS || bits == NEGATIVE_ZERO_BITS;
}

/** Writes `value` as `count` decimal digits, zero-padded, ending just before `end`. */
function writeDigits(end: usize, value: u32, count: i32): void {
  for (; count > 0; count--) {
    store<u8>(--end, 48 + value % 10);
    value /= 10;
  }
}

/** Whole milliseconds of a stampable `ms`: floor(ms), from its bits. */
function wholeMs(ms: f64): u64 {
  const bits = reinterpret<u64>(ms);
  // A double below 2^52 is its 53-bit significand (the implicit leading 1 restored) times
  // 2^(exponent - 1075): shifting right by 1075 - exponent floors it. Below 1 (and for +-0) that
  // shift is 53 or more and must leave 0: capped at 63, as Wasm takes shift counts modulo 64.
  const significand = (bits & 0xFFFFFFFFFFFFF) | 0x10000000000000;
  return significand >> min(1075 - ((bits >> 52) & 0x7FF), 63);
}

/** Writes the UTC hour of `ms` (which must be stampable) as 10 ASCII digits at `dst`. */
export function writeStamp(ms: f64, dst: usize): void {
  const hours = <u32>(wholeMs(ms) / HOUR_MS);
  // Civil date from days since 1970-01-01 (Howard Hinnant's civil_from_days), in eras of 400
  // years starting on 0000-03-01 so that leap days fall at the end of a year.
  const z = hours / 24 + 719468;
  const era = z / 146097;
  const dayOfEra = z - era * 146097;
  const yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const dayOfYear = dayOfEra - (yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100);
  const marchMonth = (dayOfYear * 5 + 2) / 153; // 0 = March .. 11 = February
  const day = dayOfYear - (marchMonth * 153 + 2) / 5 + 1;
  const month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  writeDigits(dst + 4, year, 4);
  // MMDDHH is at most 123123, well within a u32.
  writeDigits(dst + 10, month * 10000 + day * 100 + hours % 24, 6);
}
