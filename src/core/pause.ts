/** Waits before answering a failed attempt (growing delays against guessing, NIST SP 800-63B §5.2.2). */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
