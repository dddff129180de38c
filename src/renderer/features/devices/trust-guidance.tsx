import type { DeviceView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';

/** What to do when the phone does not trust this computer yet (§2.5.2), one step at a time. */
export function TrustGuidance({ device }: { readonly device: DeviceView }) {
  const pairing = useAppState((state) => state.devices.pairing[device.udid] ?? false);
  const { pair, refreshDevice } = useActions();
  const steps = guidance(device, pairing);
  return (
    <section className="card trust" aria-labelledby="trust-title" data-testid="trust-guidance">
      <h2 id="trust-title">{steps.title}</h2>
      <p>{steps.body}</p>
      {/* The guidance above covers the known states; the layer's own sentence helps only when the state is unclear. */}
      {device.problem && device.trust === 'unknown' ? <p className="hint">{device.problem}</p> : null}
      <div className="actions">
        {steps.canPair ? (
          <button type="button" className="primary" onClick={() => void pair(device.udid)} disabled={pairing}>
            {pairing ? 'Waiting for the iPhone…' : 'Trust this computer'}
          </button>
        ) : null}
        <button type="button" onClick={() => void refreshDevice(device.udid)}>
          Check again
        </button>
      </div>
    </section>
  );
}

function guidance(device: DeviceView, pairing: boolean): { title: string; body: string; canPair: boolean } {
  if (pairing || device.trust === 'pairing-pending') {
    return { title: 'Tap Trust on your iPhone', body: 'Your iPhone is asking "Trust This Computer?". Tap Trust and enter your passcode.', canPair: false };
  }
  switch (device.trust) {
    case 'locked':
      return { title: 'Unlock your iPhone', body: 'Unlock the iPhone with its passcode and keep it on the Home Screen. Lifeboat asks it again by itself every few seconds, so it will show "Trust This Computer?" once it is unlocked.', canPair: true };
    case 'denied':
      return { title: 'The iPhone said Don’t Trust', body: 'Unplug and replug the iPhone, then click Trust this computer and tap Trust on the iPhone.', canPair: true };
    case 'untrusted':
      return { title: 'Trust this computer', body: 'Before Lifeboat can back up this iPhone, the iPhone must trust this computer. Unlock it, then click the button.', canPair: true };
    default:
      return { title: 'Connecting…', body: 'Lifeboat is talking to the iPhone. If this takes long, unlock the iPhone.', canPair: false };
  }
}
