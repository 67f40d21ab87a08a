/**
 * Why a doctor's Direct address cannot be sent to. Apart from send-direct.ts so the send page can tell
 * this refusal from other errors without loading the S/MIME code (node-forge), which the composition
 * root loads only when the practice has Direct set up.
 */
export type DirectRefusal = 'no_certificate' | 'untrusted' | 'expired';

/** The doctor's address cannot be sent to; nothing was produced or queued. */
export class DirectRefused extends Error {
  readonly reason: DirectRefusal;
  constructor(reason: DirectRefusal) {
    super(`direct_refused_${reason}`);
    this.reason = reason;
    this.name = 'DirectRefused';
  }
}
