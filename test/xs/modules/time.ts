// Scripted stand-in for Moddable's "time": the scripted board's clock is the scenario's to set;
// ticks are its milliseconds.
import { loop } from "../scripted";

export default class Time {
	static get ticks(): number {
		return loop.now;
	}

	static set(): void {
		throw new Error("time: the scripted board's clock is set by the scenario (SessionOptions.now)");
	}
}
