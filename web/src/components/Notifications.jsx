// Notifications: server errors and connection problems, each dismissible.

export function Notifications({ items, onDismiss }) {
  if (!items.length) return null;
  return (
    <div className="toasts" aria-live="assertive">
      {items.map((n) => (
        <div key={n.id} className={`toast toast--${n.level || 'error'}`} role="alert">
          <span className="toast-message">
            {n.message}
            {n.count > 1 && <span className="toast-count"> ×{n.count}</span>}
          </span>
          <button
            type="button"
            className="toast-close"
            aria-label="Dismiss notification"
            onClick={() => onDismiss(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
