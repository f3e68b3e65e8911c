// UTC hour stamps `YYYYMMDDHH` from epoch milliseconds.

/** Characters of a stamp. */
export const STAMP_BYTES: i32 = 10;
/** Epoch ms of 10000-01-01T00:00:00Z, the first instant after year 9999. */
const END_MS: f64 = 253402300800000;
const HOUR_MS: f64 = 3600000;

/** True for 1970-01-01T00:00:00.000Z <= ms < 10000-01-01; false for NaN and infinities too. */
export function isStampable(ms: f64): bool {
  return ms >= 0 && ms < END_MS;
}

/** Writes `value` as `count` decimal digits, zero-padded, ending just before `end`. */
function writeDigits(end: usize, value: u32, count: i32): void {
  for (; count > 0; count--) {
    store<u8>(--end, 48 + value % 10);
    value /= 10;
  }
}

/** Writes the UTC hour of `ms` (which must be stampable) as 10 ASCII digits at `dst`. */
export function writeStamp(ms: f64, dst: usize): void {
  // Flooring first makes the quotient exact enough: an integer a whole ms below an hour boundary
  // stays below it after the division, however large.
  const hours = <u32>(Math.floor(ms) / HOUR_MS);
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
