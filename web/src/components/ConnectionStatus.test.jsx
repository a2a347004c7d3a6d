import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { ConnectionStatus } from './ConnectionStatus.jsx';

const base = { attempt: 0, nextRetryAt: null, rtt: null };

describe('ConnectionStatus', () => {
  it.each([
    ['connecting', 'Connecting'],
    ['open', 'Connected'],
    ['reconnecting', 'Reconnecting'],
    ['offline', 'Offline'],
  ])('shows %s as "%s"', (state, text) => {
    render(<ConnectionStatus status={{ ...base, state }} />);
    expect(screen.getByTestId('connection-state')).toHaveTextContent(new RegExp(`^${text}$`));
  });

  it('shows the attempt and the time of the next try while reconnecting', () => {
    const nextRetryAt = Date.now() + 4200;
    const clock = new Date(nextRetryAt).toTimeString().slice(0, 8);
    render(<ConnectionStatus status={{ ...base, state: 'reconnecting', attempt: 3, nextRetryAt }} />);
    const detail = screen.getByTestId('connection-detail').textContent;
    expect(detail).toContain('attempt 3');
    expect(detail).toContain(`next try at ${clock}`);
    expect(detail).toMatch(/in [45] s/);
  });

  it('shows the round-trip time when connected', () => {
    render(<ConnectionStatus status={{ ...base, state: 'open', rtt: 12.4 }} />);
    expect(screen.getByTestId('connection-detail')).toHaveTextContent('RTT 12 ms');
  });

  it('offers Retry now when not connected', () => {
    const onRetry = vi.fn();
    const { rerender } = render(<ConnectionStatus status={{ ...base, state: 'open' }} onRetry={onRetry} />);
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();
    rerender(<ConnectionStatus status={{ ...base, state: 'offline' }} onRetry={onRetry} />);
    fireEvent.click(screen.getByRole('button', { name: 'Retry now' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });
});
