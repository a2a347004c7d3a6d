import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { SessionBadge } from './SessionBadge.jsx';

describe('SessionBadge', () => {
  it('shows who is signed in and signs out', () => {
    const onSignOut = vi.fn();
    render(<SessionBadge user="alice" roles={['publisher', 'admin']} onSignOut={onSignOut} />);
    expect(screen.getByTestId('session-user')).toHaveTextContent('alice');
    expect(screen.getByText(/publisher, admin/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });

  it('renders nothing when nobody is signed in', () => {
    const { container } = render(<SessionBadge user={null} onSignOut={() => {}} />);
    expect(container).toBeEmptyDOMElement();
  });
});
