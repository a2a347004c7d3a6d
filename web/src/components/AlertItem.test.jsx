import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { AlertItem } from './AlertItem.jsx';
import { InsightsPanel } from './InsightsPanel.jsx';

const now = new Date(2026, 11, 5, 12, 0, 0).getTime();
const at = (h, m) => new Date(2026, 11, 5, h, m, 0).getTime();

const raised = {
  type: 'insight',
  state: 'raised',
  active: true,
  level: 'warning',
  key: 'anomaly:disk.write_bps',
  metric: 'disk.write_bps',
  message: 'Disk writes at 972 MiB/s, far above the usual 150 KiB/s',
  value: 1019215872,
  baseline: 153600,
  ts: at(11, 0),
  seq: 4,
};
const resolved = {
  ...raised,
  state: 'resolved',
  active: false,
  level: 'info',
  message: 'Disk writes back to normal at 160 KiB/s (alert lasted 5 min)',
  value: 163840,
  ts: at(11, 5),
  seq: 5,
  resolves: 4,
  raised_ts: at(11, 0),
  reason: 'recovered',
};

function item(props) {
  render(
    <ol>
      <AlertItem now={now} {...props} />
    </ol>,
  );
  return screen.getByTestId('alert');
}

describe('AlertItem', () => {
  it('shows a raised alert with its level and the words of the daemon', () => {
    const li = item({ insight: raised });
    expect(li).toHaveAttribute('data-state', 'raised');
    expect(within(li).getByText('warning')).toHaveClass('level--warning');
    expect(within(li).getByText(raised.message)).toBeInTheDocument();
    expect(within(li).getByText('11:00:00')).toBeInTheDocument();
  });

  it('marks a resolution as resolved and says when the alert was raised', () => {
    const li = item({ insight: resolved });
    expect(li).toHaveAttribute('data-state', 'resolved');
    expect(within(li).getByText('resolved')).toHaveClass('level--cleared');
    expect(within(li).getByText('raised 11:00:00')).toBeInTheDocument();
    expect(within(li).queryByText('warning')).toBeNull();
  });

  it('marks a raised alert that a later insight ended', () => {
    const li = item({ insight: raised, resolution: resolved });
    expect(li).toHaveAttribute('data-state', 'ended');
    expect(within(li).getByText('warning')).toBeInTheDocument();
    expect(within(li).getByText('resolved 11:05:00')).toBeInTheDocument();
  });

  it('shows critical alerts as critical', () => {
    const li = item({ insight: { ...raised, level: 'critical', seq: 9 } });
    expect(within(li).getByText('critical')).toHaveClass('level--critical');
  });
});

describe('InsightsPanel with raised and resolved alerts', () => {
  it('counts only alerts no resolution ends', () => {
    const cpu = { ...raised, key: 'threshold:cpu.usage', metric: 'cpu.usage', message: 'CPU at 97 %', seq: 6, ts: at(11, 10), value: 97 };
    render(<InsightsPanel insights={[cpu, resolved, raised]} />);
    expect(screen.getByText('1 active')).toBeInTheDocument();
    const states = screen.getAllByTestId('alert').map((li) => li.getAttribute('data-state'));
    expect(states).toEqual(['raised', 'resolved', 'ended']);
  });

  it('is all clear when every alert is resolved', () => {
    render(<InsightsPanel insights={[resolved, raised]} />);
    expect(screen.getByText('All clear')).toBeInTheDocument();
  });
});
