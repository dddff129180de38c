import type { Phone } from '../../phone/phone-model';

/**
 * flock(2)-style locks shared by every AFC connection to the same phone (protocol.md §4.6), so a
 * second client asking for LOCK_EX on /com.apple.itunes.lock_sync gets OP_WOULD_BLOCK (19) while
 * the first one syncs. Locks belong to an open file handle and go away when it closes.
 */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

interface LockState {
  exclusive: object | undefined;
  readonly shared: Set<object>;
}

const tables = new WeakMap<Phone, Map<string, LockState>>();

function tableFor(phone: Phone): Map<string, LockState> {
  let table = tables.get(phone);
  if (!table) {
    table = new Map();
    tables.set(phone, table);
  }
  return table;
}

export type LockOutcome = 'locked' | 'unlocked' | 'would-block' | 'invalid';

/** Applies a lock operation; blocking requests never wait here, they are refused like LOCK_NB. */
export function applyLock(phone: Phone, key: string, owner: object, operation: number): LockOutcome {
  const table = tableFor(phone);
  const state = table.get(key) ?? { exclusive: undefined, shared: new Set<object>() };
  const kind = operation & ~LOCK_NB;
  if (kind === LOCK_UN) {
    releaseLock(phone, key, owner);
    return 'unlocked';
  }
  if (kind === LOCK_EX) {
    const othersShared = [...state.shared].some((holder) => holder !== owner);
    if ((state.exclusive && state.exclusive !== owner) || othersShared) return 'would-block';
    state.shared.delete(owner);
    state.exclusive = owner;
  } else if (kind === LOCK_SH) {
    if (state.exclusive && state.exclusive !== owner) return 'would-block';
    if (state.exclusive === owner) state.exclusive = undefined;
    state.shared.add(owner);
  } else {
    return 'invalid';
  }
  table.set(key, state);
  return 'locked';
}

export function releaseLock(phone: Phone, key: string, owner: object): void {
  const table = tableFor(phone);
  const state = table.get(key);
  if (!state) return;
  if (state.exclusive === owner) state.exclusive = undefined;
  state.shared.delete(owner);
  if (!state.exclusive && state.shared.size === 0) table.delete(key);
}
