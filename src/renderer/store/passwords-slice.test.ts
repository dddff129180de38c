import { describe, expect, it } from 'vitest';
import { appError, AppErrorException, type PasswordRequestView } from '../../shared/contract';
import { createAppStore } from './app-store';
import { fakeApiAnswering } from './fake-main-api';

const fakeApi = fakeApiAnswering;

const request: PasswordRequestView = { requestId: 'r1', udid: 'A', reason: 'backup', jobId: 'j1', automatic: false, rememberIn: 'session' };

describe('passwords slice', () => {
  it('shows a request from main, marks it checking while a password is tried, and updates it when asked again', async () => {
    const { api, calls, emit } = fakeApi({ 'passwords:pending': () => [], 'passwords:provide': () => ({ accepted: true }) });
    const app = createAppStore(api);
    app.connect();
    emit('password:needed', request);
    expect(app.store.getState().passwords.requests).toEqual([request]);

    await app.actions.providePassword('r1', 'secret', true);
    expect(calls.at(-1)).toEqual({ channel: 'passwords:provide', args: { requestId: 'r1', password: 'secret', remember: true } });
    expect(app.store.getState().passwords.submitting.r1).toBe(true);
    // The password itself is never kept in the store.
    expect(JSON.stringify(app.store.getState())).not.toContain('secret');

    emit('password:needed', { ...request, problem: 'wrong' });
    expect(app.store.getState().passwords.requests).toEqual([{ ...request, problem: 'wrong' }]);
    expect(app.store.getState().passwords.submitting.r1).toBeUndefined();

    emit('password:settled', { requestId: 'r1', outcome: 'accepted' });
    expect(app.store.getState().passwords.requests).toEqual([]);
  });

  it('drops a request main no longer waits for, and shows no error when the person cancels', async () => {
    const { api, emit } = fakeApi({
      'passwords:pending': () => [request],
      'passwords:provide': () => ({ accepted: false }),
      'passwords:cancel': () => ({ cancelled: true }),
      'backups:verify': () => {
        throw new AppErrorException(appError('cancelled'));
      },
    });
    const app = createAppStore(api);
    app.connect();
    // A window opened late still sees the waiting request.
    await expect.poll(() => app.store.getState().passwords.requests.length).toBe(1);
    await app.actions.providePassword('r1', 'secret', false);
    expect(app.store.getState().passwords.requests).toEqual([]);

    emit('password:needed', { ...request, requestId: 'r2', reason: 'verify', jobId: undefined });
    await app.actions.cancelPasswordRequest('r2');
    await app.actions.verifyBackup('b1');
    expect(app.store.getState().passwords.requests).toEqual([]);
    // (The other errors are this double's missing answers to the first loads.)
    expect(app.store.getState().ui.errors.filter((shown) => shown.error.code === 'cancelled')).toEqual([]);
  });

  it('says a wrong password in the Camera Roll warning instead of the page', async () => {
    const { api } = fakeApi({
      'passwords:remember': (args) => {
        if ((args as { password: string }).password !== 'right') throw new AppErrorException(appError('wrong-password'));
        return { udid: 'A', remembered: true, rememberIn: 'session' };
      },
    });
    const app = createAppStore(api);
    expect(await app.actions.rememberPassword('A', 'wrong')).toEqual({ ok: false, problem: expect.stringContaining('does not open') });
    expect(app.store.getState().ui.errors).toEqual([]);
    expect(await app.actions.rememberPassword('A', 'right')).toEqual({ ok: true });
    expect(app.store.getState().passwords.remembered.A).toEqual({ udid: 'A', remembered: true, rememberIn: 'session' });
  });
});
