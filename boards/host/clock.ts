// The board's wall clock: the host's clock plus an offset that Time.set moves. Date in the app
// reads it through the Date that globals.ts installs.

const hostNow = Date.now;		// taken before globals.ts replaces Date

let offset = startOffset(process.env.HOST_CLOCK);

// HOST_CLOCK=unset boots the clock at 1970, like a board before its first SNTP answer.
function startOffset(setting: string | undefined): number {
	if (setting === undefined || setting === "")
		return 0;
	if (setting === "unset")
		return -hostNow();
	throw new Error(`HOST_CLOCK: must be "unset" or absent`);
}

/** Milliseconds since 1970 UTC on the board's clock. */
export function boardNow(): number {
	return hostNow() + offset;
}

/** Sets the board's clock (Time.set); the host's own clock is untouched. */
export function setBoardTime(ms: number): void {
	offset = ms - hostNow();
}
