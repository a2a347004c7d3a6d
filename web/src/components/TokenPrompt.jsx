// TokenPrompt: asks for an access token when the server's welcome says auth_required.

import { useState } from 'react';

export function TokenPrompt({ error, onSubmit }) {
  const [token, setToken] = useState('');
  return (
    <div className="modal-backdrop">
      <form
        className="modal panel"
        aria-labelledby="token-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onSubmit(token.trim());
        }}
      >
        <h2 id="token-title" className="panel-title">
          Sign in
        </h2>
        <p className="hint">This Pulse server requires an access token (see `pulse token`).</p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <label className="field">
          <span>Token</span>
          <input
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoFocus
          />
        </label>
        <button type="submit" className="btn btn--primary" disabled={!token.trim()}>
          Connect
        </button>
      </form>
    </div>
  );
}
