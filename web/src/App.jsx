import { Dashboard } from './components/Dashboard.jsx';
import { usePulseDashboard } from './hooks/usePulseDashboard.js';

export function App() {
  const dashboard = usePulseDashboard();
  return <Dashboard {...dashboard} />;
}
