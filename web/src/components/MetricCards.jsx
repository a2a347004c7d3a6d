// MetricCards: a value card for each metric group, with units.

import { ValueCard } from './ValueCard.jsx';
import { buildCards, cardValue } from '../services/cards.js';

export { buildCards };

export function MetricCards({ latest, lastTs, enabled, analytics }) {
  const cards = buildCards(latest, analytics);
  return (
    <div className="cards-grid">
      {cards.map((c) => {
        const [value, unit] = cardValue(c);
        return (
          <ValueCard
            key={c.group}
            group={c.group}
            title={c.title}
            value={value}
            unit={unit}
            caption={c.caption}
            lines={c.lines}
            ts={lastTs[c.group]}
            paused={!enabled[c.group]}
            accent={c.accent}
          />
        );
      })}
    </div>
  );
}
