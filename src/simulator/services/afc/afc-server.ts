import type { ServiceHandler } from '../../device/service-context';

// Placeholder until the AFC server lands; replaced by the phone/AFC work.
export const serveAfc: ServiceHandler = (socket) => {
  socket.destroy(new Error('AFC is not implemented yet'));
};
