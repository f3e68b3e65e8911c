// Host stand-in for Moddable's "time". Time.set moves the board clock that Date reads (see
// clock.ts); ticks is a millisecond counter from process start that wraps at 32 bits like the device's.
import { setBoardTime } from "../clock";

const ticks = () => Math.floor(performance.now()) | 0;

const Time = {
	/** Seconds since 1970 UTC, taken as a whole unsigned 32-bit number like the device does. */
	set(seconds: number): void {
		setBoardTime((seconds >>> 0) * 1000);
	},
	/** Stored for the app; the host's Date keeps using the host time zone. */
	timezone: 0,
	dst: 0,
	get ticks(): number {
		return ticks();
	},
	/** end - start in ms, correct across the 32-bit wrap of ticks. */
	delta(start: number, end: number = ticks()): number {
		return ((end >>> 0) - (start >>> 0)) | 0;
	},
	get microseconds(): number {
		return Math.floor(performance.now() * 1000);
	},
};

export default Time;
