/**
 * The preload's allowlists, written out so the sandboxed preload does not bundle zod (importing the
 * contract's runtime pulls in every schema: ~700 KB on every page load). The mapped types make the
 * compiler reject a missing or an extra channel, and a test checks them against the contract's own
 * INVOKE_CHANNELS / EVENT_CHANNELS, so the lists cannot drift.
 */
import type { EventChannel, InvokeChannel } from '../shared/contract';

const INVOKE: { readonly [C in InvokeChannel]: true } = {
  'app:info': true,
  'devices:list': true,
  'devices:refresh': true,
  'devices:pair': true,
  'devices:set-wifi': true,
  'backup:start': true,
  'backup:cancel': true,
  'jobs:list': true,
  'backups:list': true,
  'backups:verify': true,
  'reads:cancel': true,
  'backups:delete': true,
  'backups:archive': true,
  'backups:reveal': true,
  'settings:get': true,
  'settings:set': true,
  'device-settings:set': true,
  'encryption:get': true,
  'encryption:set': true,
  'encryption:change-password': true,
  'restore:preflight': true,
  'restore:start': true,
  'restore:cancel': true,
  'restore:candidates': true,
  'photos:import': true,
  'photos:cancel': true,
  'browser:open': true,
  'browser:list': true,
  'browser:search': true,
  'browser:extract': true,
  'browser:close': true,
  'browser:preview': true,
  'passwords:pending': true,
  'passwords:provide': true,
  'passwords:cancel': true,
  'passwords:remember': true,
  'passwords:forget': true,
  'passwords:status': true,
  'folders:list': true,
  'folders:pick': true,
  'settings:change-backup-root': true,
  'library:overview': true,
  'library:page': true,
  'library:note': true,
  'library:thumbnail': true,
  'library:find': true,
  'library:export': true,
};

const EVENTS: { readonly [E in EventChannel]: true } = {
  'devices:changed': true,
  'backups:changed': true,
  'settings:changed': true,
  'job:progress': true,
  'job:finished': true,
  notify: true,
  'password:needed': true,
  'password:settled': true,
  'settings:move-progress': true,
};

export const PRELOAD_INVOKE_CHANNELS = Object.keys(INVOKE) as readonly InvokeChannel[];
export const PRELOAD_EVENT_CHANNELS = Object.keys(EVENTS) as readonly EventChannel[];

export function isAllowedInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(INVOKE, value);
}

export function isAllowedEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, value);
}
