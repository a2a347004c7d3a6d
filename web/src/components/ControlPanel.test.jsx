import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { ControlPanel } from './ControlPanel.jsx';
import { RANGES } from '../services/dashboardService.js';

function setup(extra = {}) {
  const props = {
    enabled: { cpu: true, memory: true, network: false, disk: true, load: true, system: true },
    onToggle: vi.fn(),
    range: RANGES[0],
    onRange: vi.fn(),
    history: { status: 'idle' },
    onRefresh: vi.fn(),
    snapshotAt: null,
    onPing: vi.fn(),
    pingResult: null,
    connected: true,
    ...extra,
  };
  render(<ControlPanel {...props} />);
  return props;
}

describe('ControlPanel', () => {
  it('has a checkbox per metric group reflecting the subscriptions', () => {
    setup();
    for (const name of ['CPU', 'Memory', 'Disk', 'Load', 'System']) {
      expect(screen.getByRole('checkbox', { name })).toBeChecked();
    }
    expect(screen.getByRole('checkbox', { name: 'Network' })).not.toBeChecked();
  });

  it('toggles a group', () => {
    const p = setup();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Memory' }));
    expect(p.onToggle).toHaveBeenCalledWith('memory');
  });

  it('selects a history range', () => {
    const p = setup();
    expect(screen.getByRole('radio', { name: '5 min' })).toBeChecked();
    fireEvent.click(screen.getByRole('radio', { name: '24 h' }));
    expect(p.onRange).toHaveBeenCalledWith('24h');
  });

  it('shows the history status', () => {
    setup({ range: RANGES[1], history: { status: 'done', points: 240, series: 8 } });
    expect(screen.getByTestId('history-status')).toHaveTextContent('240 points per series · 1 h · live');
  });

  it('refreshes the snapshot and runs a ping test', () => {
    const p = setup({ pingResult: { rtt: 3.25 } });
    fireEvent.click(screen.getByRole('button', { name: 'Refresh snapshot' }));
    fireEvent.click(screen.getByRole('button', { name: 'Ping test' }));
    expect(p.onRefresh).toHaveBeenCalledTimes(1);
    expect(p.onPing).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('ping-result')).toHaveTextContent('RTT 3.3 ms');
  });

  it('disables the actions while disconnected', () => {
    setup({ connected: false });
    expect(screen.getByRole('button', { name: 'Refresh snapshot' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Ping test' })).toBeDisabled();
  });
});
