import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { createMainApi } from '../api/main-api';
import { startBrowserNotifications } from '../features/notifications/browser-notifications';
import { createAppStore } from '../store/app-store';
import { App } from './app';
import { StoreContext } from './store-context';
import '../styles.css';

// The Electron CSP forbids eval; zod would otherwise probe `Function('')` to decide on its JIT.
z.config({ jitless: true });

let onConnection: (connected: boolean) => void = () => undefined;
const api = createMainApi((connected) => onConnection(connected));
const appStore = createAppStore(api);
onConnection = (connected) => appStore.actions.connectionChanged(connected);
if (window.api) appStore.actions.connectionChanged(true);
appStore.connect();
// The desktop app's shell shows OS notifications itself; in a browser the page does (when allowed in Settings).
if (!window.api) {
  startBrowserNotifications(api, (udid) => {
    appStore.actions.selectDevice(udid);
  });
}

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element.');
createRoot(container).render(
  <StrictMode>
    <StoreContext.Provider value={appStore}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
