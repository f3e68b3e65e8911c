// Scripted stand-in for Moddable's "timer" on the scripted run loop's virtual clock: a timer whose
// repeat interval is 0 fires once; a repeating one keeps its phase.
import { clearTimer, type LoopTimer, scheduleTimer, setTimer } from "../scripted";

type Callback = (timer: LoopTimer) => void;

export default class Timer {
	static set(callback: Callback, interval = 0, repeat = 0): LoopTimer {
		const timer: LoopTimer = setTimer(() => callback(timer), interval, repeat);
		return timer;
	}

	static repeat(callback: Callback, interval: number): LoopTimer {
		return Timer.set(callback, interval, interval);
	}

	static schedule(timer: LoopTimer, interval: number, repeat = 0): void {
		scheduleTimer(timer, interval, repeat);
	}

	static clear(timer: LoopTimer | undefined): void {
		clearTimer(timer);
	}
}
