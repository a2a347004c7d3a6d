// SessionBadge: who is signed in (user and roles), with a way to sign out.

import './SessionBadge.css';

export function SessionBadge({ user, roles = [], onSignOut }) {
  if (!user) return null;
  return (
    <div className="session-badge" aria-label="Signed in">
      <span className="session-user">
        Signed in as <strong data-testid="session-user">{user}</strong>
        {roles.length > 0 && <span className="session-roles"> ({roles.join(', ')})</span>}
      </span>
      <button type="button" className="btn btn--small" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  );
}
