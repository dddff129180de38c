import { useShallow } from 'zustand/react/shallow';
import type { DeviceView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';

export function deviceTitle(device: DeviceView): string {
  return device.name ?? device.modelName ?? 'iPhone';
}

/** The sidebar: phones plugged in now, then phones known from their backups. */
export function DeviceList() {
  const devices = useAppState(useShallow((state) => state.devices.list));
  const selected = useAppState((state) => state.devices.selectedUdid);
  const loaded = useAppState((state) => state.devices.loaded);
  const { selectDevice } = useActions();
  const connected = devices.filter((device) => device.connected);
  const known = devices.filter((device) => !device.connected);
  const item = (device: DeviceView) => (
    <li key={device.udid}>
      <button
        type="button"
        className="device-item"
        aria-current={device.udid === selected ? 'page' : undefined}
        onClick={() => selectDevice(device.udid)}
        data-testid="device-item"
      >
        <span className={`dot ${device.connected ? 'dot-on' : 'dot-off'}`} aria-hidden="true" />
        <span className="device-item-name">{deviceTitle(device)}</span>
        <span className="device-item-sub">{device.connected ? trustLabel(device) : 'Not connected'}</span>
      </button>
    </li>
  );
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
      return device.activeJobId ? 'Working…' : 'Connected';
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
