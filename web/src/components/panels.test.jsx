import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { MetricCards } from './MetricCards.jsx';
import { InsightsPanel } from './InsightsPanel.jsx';
import { Notifications } from './Notifications.jsx';
import { TokenPrompt } from './TokenPrompt.jsx';

const ALL = { cpu: true, memory: true, network: true, disk: true, load: true, system: true };

describe('MetricCards', () => {
  const latest = {
    cpu: { usage: 42.16, cores: [40, 44] },
    memory: { total: 16 * 1024 ** 3, used: 4 * 1024 ** 3, available: 12 * 1024 ** 3, usage: 25 },
    network: { rx_bps: 1536, tx_bps: 2 * 1024 ** 2 },
    disk: { read_bps: 0, write_bps: 1024 },
    load: { '1m': 0.5, '5m': 0.25, '15m': 0.125 },
    system: { uptime_s: 3 * 86400 + 4 * 3600, processes: 1234 },
  };

  it('shows current numbers with units', () => {
    render(<MetricCards latest={latest} lastTs={{ cpu: 1 }} enabled={ALL} analytics={{}} />);
    expect(screen.getByTestId('value-cpu')).toHaveTextContent('42.2%');
    expect(screen.getByTestId('value-memory')).toHaveTextContent('25.0%');
    expect(within(screen.getByTestId('card-memory')).getByText('4.00 GiB of 16.0 GiB')).toBeInTheDocument();
    expect(screen.getByTestId('value-network')).toHaveTextContent('1.50KiB/s');
    expect(within(screen.getByTestId('card-network')).getByText('2.00 MiB/s')).toBeInTheDocument();
    expect(screen.getByTestId('value-disk')).toHaveTextContent('0B/s');
    expect(screen.getByTestId('value-load')).toHaveTextContent('0.50');
    expect(screen.getByTestId('value-system')).toHaveTextContent('3d 4h');
    expect(within(screen.getByTestId('card-system')).getByText('1,234')).toBeInTheDocument();
    expect(screen.getByTestId('card-cpu')).toHaveAttribute('data-ts', '1');
  });

  it('copes with missing groups and fields (first frame without rates)', () => {
    render(<MetricCards latest={{ network: {}, cpu: { usage: 5 } }} lastTs={{}} enabled={ALL} analytics={{}} />);
    expect(screen.getByTestId('value-network')).toHaveTextContent('—');
    expect(screen.getByTestId('value-memory')).toHaveTextContent('—');
    expect(screen.getByTestId('value-cpu')).toHaveTextContent('5.0%');
  });

  it('marks unsubscribed groups as paused and shows analytics', () => {
    render(
      <MetricCards
        latest={latest}
        lastTs={{}}
        enabled={{ ...ALL, disk: false }}
        analytics={{ 'cpu.usage': { avg: 30, p95: 70 } }}
      />,
    );
    expect(within(screen.getByTestId('card-disk')).getByText('Paused')).toBeInTheDocument();
    expect(within(screen.getByTestId('card-cpu')).queryByText('Paused')).toBeNull();
    expect(within(screen.getByTestId('card-cpu')).getByText('30.0% / 70.0%')).toBeInTheDocument();
  });
});

describe('InsightsPanel', () => {
  it('says all clear without insights', () => {
    render(<InsightsPanel insights={[]} />);
    expect(screen.getByText('All clear')).toBeInTheDocument();
    expect(screen.getByText('No alerts or anomalies so far.')).toBeInTheDocument();
  });

  it('lists insights and counts the active alerts', () => {
    render(
      <InsightsPanel
        insights={[
          { ts: 3, level: 'critical', metric: 'disk.write_bps', message: 'Disk anomaly', value: 2048 },
          { ts: 2, level: 'info', metric: 'cpu.usage', message: 'CPU cleared', cleared: true },
          { ts: 1, level: 'warning', metric: 'cpu.usage', message: 'CPU high', value: 91 },
        ]}
      />,
    );
    expect(screen.getByText('1 active')).toBeInTheDocument();
    expect(screen.getByText('Disk anomaly')).toBeInTheDocument();
    expect(screen.getByText('2.00 KiB/s')).toBeInTheDocument();
    expect(screen.getAllByText('resolved')).toHaveLength(1);
    expect(screen.getByText('warning')).toBeInTheDocument();
  });

  it('announces the newest insight to screen readers, a resolution as resolved', () => {
    const raised = { seq: 7, ts: 1, state: 'raised', level: 'warning', metric: 'cpu.usage', message: 'CPU high' };
    const resolved = { seq: 8, ts: 2, state: 'resolved', level: 'info', resolves: 7, metric: 'cpu.usage', message: 'CPU back to normal' };
    const { rerender } = render(<InsightsPanel insights={[raised]} />);
    const live = screen.getByTestId('insight-announcer');
    expect(live).toHaveAttribute('aria-live', 'polite');
    expect(live).toHaveTextContent('warning: CPU high');
    rerender(<InsightsPanel insights={[resolved, raised]} />);
    expect(live).toHaveTextContent('Resolved: CPU back to normal');
    expect(screen.getByText('All clear')).toBeInTheDocument();
  });
});

describe('Notifications', () => {
  it('renders nothing without items', () => {
    const { container } = render(<Notifications items={[]} onDismiss={() => {}} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('shows each notification and dismisses it', () => {
    const onDismiss = vi.fn();
    render(
      <Notifications
        items={[
          { id: 1, level: 'error', message: 'bad_request: nope', count: 1 },
          { id: 2, level: 'warning', message: 'Connection lost', count: 3 },
        ]}
        onDismiss={onDismiss}
      />,
    );
    expect(screen.getAllByRole('alert')).toHaveLength(2);
    expect(screen.getByText('×3')).toBeInTheDocument();
    fireEvent.click(screen.getAllByRole('button', { name: 'Dismiss notification' })[1]);
    expect(onDismiss).toHaveBeenCalledWith(2);
  });
});

describe('TokenPrompt', () => {
  it('submits the trimmed token', () => {
    const onSubmit = vi.fn();
    render(<TokenPrompt error="Token refused" onSubmit={onSubmit} />);
    expect(screen.getByRole('alert')).toHaveTextContent('Token refused');
    const button = screen.getByRole('button', { name: 'Connect' });
    expect(button).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: '  abc  ' } });
    fireEvent.click(button);
    expect(onSubmit).toHaveBeenCalledWith('abc');
  });
});
