/**
 * Family invitations to people who already hold a portal account (issue 13): inviting such an email answers
 * exactly like inviting a new one (no user enumeration), but no pending account is made; the invitation is
 * addressed to the existing account and accepted by that account signed in, with its own single-use link
 * (purpose 'proxy', allowed by 0001's check since the beginning). One account may hold several such links
 * at once (one per inviting patient), so the invitation names its link:
 *
 *   family_invitations.link: the invitations row emailed for it when it is accepted signed in; NULL when it is
 *   accepted by registering the pending account made for it (the link is then that account's registration
 *   link, which staff may resend, so it is not pinned here).
 *
 * The link grants nothing until accepted (an INSERT into account_patients): no access-epoch trigger needed.
 */
export const id = '0011-family-existing-accounts';

export const sql = /* sql */ `
ALTER TABLE family_invitations ADD COLUMN link uuid REFERENCES invitations (id);
CREATE UNIQUE INDEX family_invitations_link ON family_invitations (link) WHERE link IS NOT NULL;
`;
