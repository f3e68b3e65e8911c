// One-shot and repeating timers on the run loop ("timer").
declare module "timer" {
	export type TimerCallback = (timer: Timer) => void;

	class Timer {
		private constructor();
		private brand: boolean;
		/** Fires after `interval` ms (next turn if omitted), then every `repeat` ms if non-zero. */
		static set(callback: TimerCallback, interval?: number, repeat?: number): Timer;
		static repeat(callback: TimerCallback, interval: number): Timer;
		/** Re-arms a live timer; with no intervals it stays idle until scheduled again. */
		static schedule(timer: Timer, interval?: number, repeat?: number): void;
		static clear(timer: Timer | undefined | null): void;
		/** Blocks for `milliseconds`. */
		static delay(milliseconds: number): void;
	}

	export default Timer;
}
