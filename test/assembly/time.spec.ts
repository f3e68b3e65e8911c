import { isStampable, writeStamp } from "../../assembly/time";
import { take } from "./helpers";

const out = memory.data(16, 16);

function stamp(ms: f64): string {
  writeStamp(ms, out);
  return take(out, 10);
}

describe("time", () => {
  it("formats the UTC hour", () => {
    expect(stamp(1532454980000)).toBe("2018072417"); // 2018-07-24T17:56:20Z
    expect(stamp(0)).toBe("1970010100");
    expect(stamp(1709164800000)).toBe("2024022900"); // leap day 2024-02-29
    expect(stamp(4107542400000)).toBe("2100030100"); // 2100 is not a leap year
    expect(stamp(253402300799999)).toBe("9999123123");
  });

  it("keeps the last millisecond of an hour in that hour", () => {
    expect(stamp(1532455199999)).toBe("2018072417");
    expect(stamp(1532455200000)).toBe("2018072418");
  });

  it("accepts exactly years 1970 to 9999", () => {
    expect(isStampable(0)).toBe(true);
    expect(isStampable(253402300799999)).toBe(true);
    expect(isStampable(253402300800000)).toBe(false);
    expect(isStampable(-1)).toBe(false);
    expect(isStampable(NaN)).toBe(false);
    expect(isStampable(Infinity)).toBe(false);
    expect(isStampable(-Infinity)).toBe(false);
  });
});
