// LiveState: whether what the page shows is live, and how old it is when it is not.

import { useNow } from '../hooks/useNow.js';

export function ageText(ms) {
  if (!(ms >= 0)) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s ago`;
  return `${Math.floor(m / 60)} h ${m % 60} min ago`;
}

export function LiveState({ stale, lastUpdateAt, paused }) {
  const now = useNow(1000, stale || paused);
  let text;
  if (stale) text = lastUpdateAt ? `Not live · last update ${ageText(now - lastUpdateAt)}` : 'Not live · no data yet';
  else if (paused) text = 'Paused · charts hold still, values keep updating';
  else text = 'Live';
  return (
    <span className={`live-state${stale ? ' live-state--stale' : paused ? ' live-state--paused' : ''}`} data-testid="live-state">
      {text}
    </span>
  );
}
