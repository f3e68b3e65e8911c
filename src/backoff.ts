// Reconnect delays: capped exponential backoff with "full jitter" (a uniform draw in
// [0, min(cap, base * 2^attempt))), so a fleet that lost the broker at the same moment
// spreads its reconnects instead of arriving in waves.

export interface Backoff {
	baseMs: number;		// ceiling of the first draw
	capMs: number;		// no delay ever exceeds this
}

// Floors that keep a misconfigured device from hammering the platform: a base below a second
// turns a flapping link into a login loop, and a refused login (CONNACK 2/4/5) is not retried
// within the minute.
export const RETRY_BASE_MIN_MS = 1000;
export const AUTH_RETRY_MIN_MS = 60_000;
export const RETRY_MAX_MS = 86_400_000;

// Throws RangeError naming the key for delays outside the floors above (or past a day).
export function checkRetry(retryBaseMs: number, retryCapMs: number, authRetryMs: number): void {
	checkDelay("retryBaseMs", retryBaseMs, RETRY_BASE_MIN_MS, `${RETRY_BASE_MIN_MS}`);
	checkDelay("retryCapMs", retryCapMs, retryBaseMs, `retryBaseMs (${retryBaseMs})`);
	checkDelay("authRetryMs", authRetryMs, AUTH_RETRY_MIN_MS, `${AUTH_RETRY_MIN_MS}`);
}

function checkDelay(key: string, value: number, min: number, floor: string): void {
	if (!Number.isInteger(value) || value < min || value > RETRY_MAX_MS)
		throw new RangeError(`${key}: must be an integer from ${floor} to ${RETRY_MAX_MS} ms`);
}

// attempt counts reconnects since the link last stayed up long enough to count as healthy,
// starting at 0. random() must return a number in [0, 1) like Math.random.
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
	// 2^attempt overflows to Infinity long before it matters; min() then picks the cap.
	const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
	return Math.floor(random() * ceiling);
}

// After the platform refused the credentials (CONNACK 2, 4, 5) retrying soon cannot help and
// counts against the device: wait between half and all of holdMs ("equal jitter").
export function holdDelay(holdMs: number, random: () => number): number {
	return Math.floor(holdMs / 2 + random() * (holdMs / 2));
}
