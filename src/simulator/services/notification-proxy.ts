import type { ServiceHandler } from '../device/service-context';

// Placeholder until notification_proxy lands.
export const serveNotificationProxy: ServiceHandler = (socket) => {
  socket.destroy(new Error('notification_proxy is not implemented yet'));
};
