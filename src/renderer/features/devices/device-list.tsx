import { useShallow } from 'zustand/react/shallow';
import type { DeviceView, JobProgress } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';
import { jobStatus } from '../backups/job-words';

export function deviceTitle(device: DeviceView): string {
  return device.name ?? device.modelName ?? 'iPhone';
}

/** The sidebar: phones plugged in now, then phones known from their backups. */
export function DeviceList() {
  const devices = useAppState(useShallow((state) => state.devices.list));
  const selected = useAppState((state) => state.devices.selectedUdid);
  const loaded = useAppState((state) => state.devices.loaded);
  const jobs = useAppState(useShallow((state) => Object.values(state.jobs.active)));
  const { selectDevice } = useActions();
  const jobOf = (udid: string): JobProgress | undefined => jobs.find((job) => job.udid === udid);
  // A phone making a restore's planned restart is away from usbmuxd for a moment, not gone.
  const present = (device: DeviceView): boolean => device.connected || jobOf(device.udid)?.phase === 'restarting';
  const connected = devices.filter(present);
  const known = devices.filter((device) => !present(device));
  const item = (device: DeviceView) => {
    const job = jobOf(device.udid);
    return (
      <li key={device.udid}>
        <button
          type="button"
          className="device-item"
          aria-current={device.udid === selected ? 'page' : undefined}
          onClick={() => selectDevice(device.udid)}
          data-testid="device-item"
        >
          <span className={`dot ${present(device) ? 'dot-on' : 'dot-off'}`} aria-hidden="true" />
          <span className="device-item-name">{deviceTitle(device)}</span>
          {/* Words, not only an icon: screen readers and a glance both get "Wi-Fi". */}
          {device.connected && device.connection === 'network' ? (
            <span className="badge badge-wifi" data-testid="wifi-badge" title="Connected over Wi-Fi">
              Wi-Fi
            </span>
          ) : null}
          {/* The running job, with its percent, wherever the person is in the app. */}
          <span className="device-item-sub" data-testid="device-item-status">{job ? jobStatus(job) : device.connected ? trustLabel(device) : 'Not connected'}</span>
        </button>
      </li>
    );
  };
  return (
    <nav aria-label="Devices" className="device-list">
      <h2 className="sidebar-heading">Connected</h2>
      {connected.length ? <ul>{connected.map(item)}</ul> : <p className="hint">{loaded ? 'Plug in an iPhone with a cable.' : 'Looking for iPhones…'}</p>}
      {known.length ? (
        <>
          <h2 className="sidebar-heading">Known</h2>
          <ul>{known.map(item)}</ul>
        </>
      ) : null}
    </nav>
  );
}

function trustLabel(device: DeviceView): string {
  switch (device.trust) {
    case 'trusted':
      if (device.activeJobId) return 'Working…';
      return device.passcodeLocked ? 'Locked: unlock it' : 'Connected';
    case 'pairing-pending':
      return 'Waiting for Trust';
    case 'locked':
      return 'Locked';
    case 'denied':
      return 'Not trusted';
    case 'untrusted':
      return 'Not trusted yet';
    case 'unknown':
      return 'Checking…';
  }
}
