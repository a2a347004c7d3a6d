import { Dashboard } from './components/Dashboard.jsx';
import { usePulseDashboard } from './hooks/usePulseDashboard.js';

export function App({ clientOptions } = {}) {
  const dashboard = usePulseDashboard({ clientOptions });
  return <Dashboard {...dashboard} />;
}
