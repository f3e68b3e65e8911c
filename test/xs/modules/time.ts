// Scripted stand-in for Moddable's "time": the scripted board's clock is the scenario's to set.
export default class Time {
	static set(): void {
		throw new Error("time: the scripted board's clock is set by the scenario (SessionOptions.now)");
	}
}
