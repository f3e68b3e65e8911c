// System clock and tick counter ("time").
declare module "time" {
	const Time: {
		/** Sets the wall clock (seconds since 1970 UTC); Date sees it at once. */
		set(seconds: number): void;
		timezone: number;
		dst: number;
		/** Millisecond counter, unrelated to the time of day; compare with delta(). */
		readonly ticks: number;
		delta(start: number, end?: number): number;
		readonly microseconds?: number;
	};
	export default Time;
}
