// HostIdentity: what machine this is (snapshot.host), for the header: name, OS, kernel and
// architecture, cores, time since boot and the addresses.

import { since } from '../lib/hostFormat.js';
import './hostTables.css';

export function HostIdentity({ host, now }) {
  if (!host) return null;
  const addrs = (host.addresses || []).filter((a) => a.family === 'ipv4').map((a) => a.address);
  const shown = addrs.length ? addrs : (host.addresses || []).map((a) => a.address);
  return (
    <div className="host-identity" data-testid="host-identity">
      <strong>{host.hostname}</strong>
      <span>{host.os}</span>
      <span>
        {host.kernel} · {host.arch}
      </span>
      <span>{host.cores} {host.cores === 1 ? 'core' : 'cores'}</span>
      {host.boot_ts != null && <span>up {since(host.boot_ts, now).replace(/ ago$/, '')}</span>}
      {shown.length > 0 && <span title={(host.addresses || []).map((a) => `${a.interface} ${a.address}`).join('\n')}>{shown.slice(0, 3).join(', ')}</span>}
    </div>
  );
}
