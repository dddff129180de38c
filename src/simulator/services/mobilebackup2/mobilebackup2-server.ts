import type { ServiceHandler } from '../../device/service-context';

// Placeholder until the mobilebackup2 device side lands.
export const serveMobileBackup2: ServiceHandler = (socket) => {
  socket.destroy(new Error('mobilebackup2 is not implemented yet'));
};
