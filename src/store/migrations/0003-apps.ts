/** Connected apps (issue #4): when each app grant was last used, for the patient's connected-apps page. */
export const id = '0003-apps';

export const sql = /* sql */ `
CREATE TABLE grant_usage (
  grant_id      text PRIMARY KEY,
  last_used_at  timestamptz NOT NULL
);
`;
