// Host stand-in for Moddable's "timer" on Node timers, with modTimer's rules: a timer whose repeat
// interval is 0 when its callback returns is cleared; repeating timers keep their phase (the next
// firing is due one interval after the previous due time, not after the callback ran).

type TimerCallback = (timer: Timer) => void;

const UNSCHEDULED = -1;		// repeat value of a timer that waits for Timer.schedule

export default class Timer {
	#callback: TimerCallback | undefined;	// undefined once cleared
	#repeat: number;
	#due = 0;								// performance.now() of the next firing
	#handle: NodeJS.Timeout | undefined;

	private constructor(callback: TimerCallback, interval: number, repeat: number) {
		this.#callback = callback;
		this.#repeat = repeat;
		this.#arm(interval);
	}

	/** Fires once after `interval` ms (next turn if omitted), then every `repeat` ms if that is not 0. */
	static set(callback: TimerCallback, interval?: number, repeat?: number): Timer {
		return new Timer(callback, integer(interval), integer(repeat));
	}

	static repeat(callback: TimerCallback, interval: number): Timer {
		return new Timer(callback, integer(interval), integer(interval));
	}

	/** Re-arms a live timer; without intervals it waits, unscheduled, for the next schedule(). */
	static schedule(timer: Timer, interval?: number, repeat?: number): void {
		if (!timer.#callback)
			throw new Error("timer: cleared");
		if (interval === undefined) {
			clearTimeout(timer.#handle);
			timer.#handle = undefined;
			timer.#repeat = UNSCHEDULED;
			return;
		}
		timer.#repeat = integer(repeat);
		timer.#arm(integer(interval));
	}

	/** Cancels a timer; undefined, null and already cleared timers are ignored. */
	static clear(timer: Timer | undefined | null): void {
		if (!timer)
			return;
		clearTimeout(timer.#handle);
		timer.#handle = undefined;
		timer.#callback = undefined;
	}

	/** Blocks the thread, as the device's delay does. */
	static delay(milliseconds: number): void {
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, integer(milliseconds)));
	}

	#arm(interval: number): void {
		clearTimeout(this.#handle);
		this.#due = performance.now() + interval;
		this.#handle = setTimeout(() => this.#fire(), Math.max(0, interval));
	}

	#fire(): void {
		this.#handle = undefined;
		if (this.#repeat > 0) {
			// Armed before the callback runs, so schedule() and clear() inside it take precedence.
			this.#due += this.#repeat;
			this.#handle = setTimeout(() => this.#fire(), Math.max(0, this.#due - performance.now()));
		}
		this.#callback!.call(globalThis, this);
		if (this.#repeat === 0)
			Timer.clear(this);
	}
}

// Intervals are integers on the device (xsmcToInteger): fractions truncated, NaN and undefined 0.
function integer(value: number | undefined): number {
	return Math.trunc(Number(value)) || 0;
}
