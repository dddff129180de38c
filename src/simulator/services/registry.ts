import type { ServiceHandler } from '../device/service-context';
import { serveAfc } from './afc/afc-server';
import { serveInstallationProxy } from './installation-proxy';
import { serveMobileBackup2 } from './mobilebackup2/mobilebackup2-server';
import { serveNotificationProxy } from './notification-proxy';
import { serveSpringboardServices } from './springboard-services';

/** The services lockdownd's StartService can open (protocol.md §2.7, §8.1). */
export interface ServiceDefinition {
  readonly handler: ServiceHandler;
  /** Whether the device asks for TLS on the service connection (EnableServiceSSL). */
  readonly ssl: boolean;
  /** Services that work only when the EscrowBag is presented or the phone is unlocked. */
  readonly needsEscrowBag: boolean;
  /** Startable before pairing, without a session (only the insecure notification proxy, §2.5.2, §2.7). */
  readonly withoutSession?: boolean;
}

export const SERVICES: ReadonlyMap<string, ServiceDefinition> = new Map<string, ServiceDefinition>([
  ['com.apple.afc', { handler: serveAfc, ssl: false, needsEscrowBag: false }],
  ['com.apple.mobilebackup2', { handler: serveMobileBackup2, ssl: false, needsEscrowBag: true }],
  ['com.apple.mobile.notification_proxy', { handler: serveNotificationProxy, ssl: false, needsEscrowBag: false }],
  ['com.apple.mobile.insecure_notification_proxy', { handler: serveNotificationProxy, ssl: false, needsEscrowBag: false, withoutSession: true }],
  ['com.apple.mobile.installation_proxy', { handler: serveInstallationProxy, ssl: false, needsEscrowBag: false }],
  ['com.apple.springboardservices', { handler: serveSpringboardServices, ssl: false, needsEscrowBag: false }],
]);
