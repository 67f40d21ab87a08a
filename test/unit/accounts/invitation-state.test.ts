import { expect } from 'chai';
import { invitationState } from '../../../src/accounts/invitation-state.ts';

const now = new Date('2026-05-01T12:00:00Z');
const row = (overrides: Record<string, unknown>) =>
  ({
    id: 'i',
    account_id: 'a',
    purpose: 'registration',
    email: 'x@example.org',
    created_at: new Date('2026-04-30T12:00:00Z'),
    expires_at: new Date('2026-05-04T12:00:00Z'),
    consumed_at: null,
    voided_at: null,
    frozen_at: null,
    failed_attempts: 0,
    outbox_id: '1',
    outbox_status: 'pending',
    ...overrides,
  }) as Parameters<typeof invitationState>[0];

describe('invitation state shown to staff', () => {
  it('follows the email through the outbox while the link is open', () => {
    expect(invitationState(row({ outbox_status: 'pending' }), now)).to.equal('queued');
    expect(invitationState(row({ outbox_status: 'sending' }), now)).to.equal('queued');
    expect(invitationState(row({ outbox_status: 'sent' }), now)).to.equal('sent');
    expect(invitationState(row({ outbox_status: 'dead' }), now)).to.equal('failed');
  });

  it('reports what ended the link, in order of precedence', () => {
    expect(invitationState(row({ consumed_at: now, voided_at: now }), now)).to.equal('registered');
    expect(invitationState(row({ voided_at: now }), now)).to.equal('voided');
    expect(invitationState(row({ frozen_at: now }), now)).to.equal('frozen');
    expect(invitationState(row({ expires_at: now, outbox_status: 'sent' }), now)).to.equal('expired');
  });
});
