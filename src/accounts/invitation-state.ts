import type { InvitationRow } from '../store/invitations.ts';

export type InvitationState = 'queued' | 'sent' | 'failed' | 'registered' | 'expired' | 'voided' | 'frozen';
export interface InvitationView {
  readonly state: InvitationState;
  readonly createdAt: Date;
}

/** What staff see for an invitation: its link's life, and for an open link its email's delivery state. */
export function invitationState(row: InvitationRow & { outbox_status: string | null }, now: Date): InvitationState {
  if (row.consumed_at) return 'registered';
  if (row.voided_at) return 'voided';
  if (row.frozen_at) return 'frozen';
  if (row.expires_at <= now) return 'expired';
  if (row.outbox_status === 'dead') return 'failed';
  if (row.outbox_status === 'sent') return 'sent';
  return 'queued';
}
