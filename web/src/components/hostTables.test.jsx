import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { ProcessesTable } from './ProcessesTable.jsx';
import { FilesystemsTable } from './FilesystemsTable.jsx';
import { HostIdentity } from './HostIdentity.jsx';
import { bytes, duration, processRows, sortRows } from '../lib/hostFormat.js';

const NOW = 1700000600000;
const frame = {
  type: 'processes',
  ts: NOW,
  rates: true,
  period_ms: 5000,
  total: 512,
  unreadable: 1,
  by_cpu: [
    { pid: 100, name: 'my (weird) prog', user: 'alice', state: 'R', cpu: 50, rss: 80 * 1024 ** 2, threads: 4, start: NOW - 300000 },
    { pid: 200, name: 'bad\ufffdutf8', user: 'www-data', state: 'S', cpu: 10, rss: 20 * 1024 ** 2, threads: 2, start: NOW - 7200000 },
    { pid: 600, name: 'new', user: null, state: 'S', cpu: null, rss: 2 * 1024 ** 2, threads: 1, start: null },
  ],
  by_memory: [
    { pid: 300, name: 'big', user: 'root', state: 'S', cpu: 0, rss: 3 * 1024 ** 3, threads: 40, start: NOW - 86400000 },
    { pid: 100, name: 'my (weird) prog', user: 'alice', state: 'R', cpu: 50, rss: 80 * 1024 ** 2, threads: 4, start: NOW - 300000 },
  ],
};

const pids = () => screen.getAllByRole('row').slice(1).map((r) => Number(r.getAttribute('data-pid')));

describe('ProcessesTable', () => {
  it('merges both lists once per pid, highest CPU first, unknowns as dashes', () => {
    render(<ProcessesTable frame={frame} now={NOW} />);
    expect(pids()).toEqual([100, 200, 300, 600]);
    const row = screen.getAllByRole('row')[1];
    expect(within(row).getByText('my (weird) prog')).toBeInTheDocument();
    expect(within(row).getByText('running')).toBeInTheDocument();
    expect(within(row).getByText('80 MiB')).toBeInTheDocument();
    expect(within(row).getByText('5 min ago')).toBeInTheDocument();
    const last = screen.getAllByRole('row')[4];
    expect(within(last).getAllByText('—').length).toBe(3); /* user, CPU, start */
    expect(screen.getByText(/top 4 of 512/)).toBeInTheDocument();
  });

  it('sorts by a clicked column and reverses on a second click', () => {
    render(<ProcessesTable frame={frame} now={NOW} />);
    fireEvent.click(screen.getByRole('button', { name: /Memory/ }));
    expect(pids()).toEqual([300, 100, 200, 600]);
    expect(screen.getByRole('columnheader', { name: /Memory/ })).toHaveAttribute('aria-sort', 'descending');
    fireEvent.click(screen.getByRole('button', { name: /Memory/ }));
    expect(pids()).toEqual([600, 200, 100, 300]);
    fireEvent.click(screen.getByRole('button', { name: /Name/ }));
    expect(pids()).toEqual([200, 300, 100, 600]);
    fireEvent.click(screen.getByRole('button', { name: /CPU/ }));
    expect(pids()).toEqual([100, 200, 300, 600]); /* null CPU stays last */
  });

  it('says it is waiting before the first frame', () => {
    render(<ProcessesTable frame={null} />);
    expect(screen.getByText(/Waiting for the first process list/)).toBeInTheDocument();
  });
});

describe('FilesystemsTable', () => {
  it('lists mounts fullest first with human sizes and a level on the bar', () => {
    const list = [
      { mount: '/', device: '/dev/vda', type: 'ext4', size: 100 * 1024 ** 3, used: 50 * 1024 ** 3, available: 50 * 1024 ** 3, usage: 50, inodes: 1000, inodes_used: 100, inodes_free: 900, inodes_usage: 10 },
      { mount: '/var', device: '/dev/vdb', type: 'xfs', size: 10 * 1024 ** 3, used: 9.7 * 1024 ** 3, available: 0.3 * 1024 ** 3, usage: 97, inodes: 0, inodes_used: 0, inodes_free: 0, inodes_usage: 0 },
      { mount: '/net', device: 'srv:/x', type: 'nfs4', size: null, used: null, available: null, usage: null, inodes: null },
    ];
    const { container } = render(<FilesystemsTable filesystems={list} />);
    const mounts = screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('data-mount'));
    expect(mounts).toEqual(['/var', '/', '/net']);
    const var_ = screen.getAllByRole('row')[1];
    expect(within(var_).getByText('97.0 %')).toBeInTheDocument();
    expect(within(var_).getByText('307 MiB')).toBeInTheDocument();
    expect(container.querySelector('tr[data-mount="/var"] .usage-bar.bad')).not.toBeNull();
    expect(container.querySelector('tr[data-mount="/"] .usage-bar.warn')).toBeNull();
  });

  it('copes with nothing', () => {
    render(<FilesystemsTable filesystems={undefined} />);
    expect(screen.getByText('No filesystems reported.')).toBeInTheDocument();
  });
});

describe('HostIdentity', () => {
  it('shows name, OS, kernel, cores, uptime and IPv4 addresses first', () => {
    const host = {
      hostname: 'web-1', os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64', arch: 'x86_64', cores: 8,
      boot_ts: NOW - 3 * 86400000 - 4 * 3600000,
      addresses: [
        { interface: 'eth0', family: 'ipv6', address: 'fe80::1' },
        { interface: 'eth0', family: 'ipv4', address: '10.0.0.5' },
      ],
    };
    render(<HostIdentity host={host} now={NOW} />);
    const el = screen.getByTestId('host-identity');
    expect(el).toHaveTextContent('web-1');
    expect(el).toHaveTextContent('Debian GNU/Linux 12 (bookworm)');
    expect(el).toHaveTextContent('6.1.0-18-amd64 · x86_64');
    expect(el).toHaveTextContent('8 cores');
    expect(el).toHaveTextContent('up 3 d 4 h');
    expect(el).toHaveTextContent('10.0.0.5');
    expect(el).not.toHaveTextContent('fe80::1');
  });

  it('renders nothing without a host', () => {
    const { container } = render(<HostIdentity host={null} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('hostFormat', () => {
  it('formats and sorts', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(null)).toBe('—');
    expect(duration(45)).toBe('45 s');
    expect(duration(7500)).toBe('2 h 5 min');
    expect(processRows(null)).toEqual([]);
    expect(sortRows([{ pid: 2, x: null }, { pid: 1, x: 3 }], 'x', 'asc').map((r) => r.pid)).toEqual([1, 2]);
  });
});
