import { useState } from 'react';
import type { DeviceView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';
import { formatDate } from '../../components/format-date';
import { Switch } from '../../components/switch';
import { BackupHistory } from '../backups/backup-history';
import { BackupNow } from '../backups/backup-now';
import { EncryptionControl } from '../backups/encryption-control';
import { CameraRollWarning } from '../passwords/camera-roll-warning';
import { ICloudPhotosNotice } from '../photos/icloud-photos-notice';
import { PhotoImport } from '../photos/photo-import';
import { AfterResetBanner } from '../restore/after-reset-banner';
import { RestoreWizard } from '../restore/restore-wizard';
import { BackupSchedule } from './backup-schedule';
import { CapacityBar } from './capacity-bar';
import { deviceTitle } from './device-list';
import { PhoneArt } from './phone-art';
import { StorageBar } from './storage-bar';
import { StorageChart } from './storage-chart';
import { TrustGuidance } from './trust-guidance';
import { UnlockGuidance } from './unlock-guidance';
import { WifiSwitch } from './wifi-switch';

/** One phone, like iTunes' Summary: who it is, its space, trust, backing up, options and history. */
export function DevicePage({ device }: { readonly device: DeviceView }) {
  const { setDeviceSettings, openRestoreWizard } = useActions();
  const wizard = useAppState((state) => (state.restore.wizard?.udid === device.udid ? state.restore.wizard : undefined));
  const busy = useAppState((state) => Object.values(state.jobs.active).some((job) => job.udid === device.udid));
  const trusted = device.connected && device.trust === 'trusted';
  const [warnCameraRoll, setWarnCameraRoll] = useState(false);
  // Off on an encrypted phone means every backup needs the password: say so first (and offer to remember it).
  const changeCameraRoll = (cameraRoll: boolean) => (!cameraRoll && device.encryptionEnabled ? setWarnCameraRoll(true) : void setDeviceSettings(device.udid, { cameraRoll }));
  const job = useAppState((state) => Object.values(state.jobs.active).find((candidate) => candidate.udid === device.udid));
  // A running backup goes on while the screen locks; only an idle phone or a job waiting for the unlock needs the guidance.
  const showUnlock = trusted && device.passcodeLocked === true && (!job || job.waitingFor === 'unlock');
  return (
    <article className="device-page" aria-labelledby="device-title">
      <header className="summary card">
        <PhoneArt connected={device.connected} />
        <div className="summary-text">
          <h1 id="device-title">{deviceTitle(device)}</h1>
          <dl className="facts">
            <Fact label="Model" value={device.modelName ?? device.productType} />
            <Fact label="iOS" value={device.productVersion} />
            <Fact label="Serial number" value={device.serialNumber} />
            {device.connected ? <Fact label="Connected over" value={device.connection === 'network' ? 'Wi-Fi' : 'USB'} testId="connected-over" /> : null}
            <Fact label="Latest backup" value={device.lastBackupAt ? formatDate(device.lastBackupAt) : 'Never'} testId="latest-backup" />
            {device.batteryPercent !== undefined ? <Fact label="Battery" value={`${device.batteryPercent}%${device.batteryCharging ? ' (charging)' : ''}`} /> : null}
          </dl>
          {/* By category when the phone says (com.apple.disk_usage), else used and free. */}
          {device.storage ? <StorageBar storage={device.storage} /> : <CapacityBar total={device.totalCapacityBytes} free={device.freeBytes} />}
        </div>
      </header>

      <AfterResetBanner device={device} busy={busy} />
      {device.connected && !trusted ? <TrustGuidance device={device} /> : null}
      {showUnlock ? <UnlockGuidance device={device} backupWaiting={job?.waitingFor === 'unlock'} /> : null}
      <ICloudPhotosNotice device={device} />
      {!device.connected ? <p className="card hint">This iPhone is not connected. Plug it in to back it up; its backups are listed below.</p> : null}

      {trusted ? (
        <section className="card" aria-labelledby="backups-title">
          <h2 id="backups-title">Backups</h2>
          <div className="backup-actions">
            <BackupNow device={device} />
            {!busy ? (
              <button type="button" onClick={() => openRestoreWizard(device.udid)} data-testid="restore-backup">
                Restore Backup…
              </button>
            ) : null}
          </div>
          <div className="options">
            <Switch
              label="Include Camera Roll"
              description="Photos and videos from the iPhone's Camera Roll go into the backup. Turn off to make backups smaller and faster."
              checked={device.settings.cameraRoll}
              disabled={busy}
              onChange={changeCameraRoll}
              testId="camera-roll-switch"
            />
            {!device.settings.cameraRoll && device.encryptionEnabled ? (
              <p className="hint" data-testid="camera-roll-password-hint">
                Backups of this iPhone are encrypted, so each backup needs the backup password to leave the Camera Roll out. Lifeboat asks for it, or uses the one it remembers.
              </p>
            ) : null}
            {warnCameraRoll ? (
              <CameraRollWarning
                device={device}
                onCancel={() => setWarnCameraRoll(false)}
                onConfirm={() => {
                  setWarnCameraRoll(false);
                  void setDeviceSettings(device.udid, { cameraRoll: false });
                }}
              />
            ) : null}
            <Switch
              label="Back up automatically when connected"
              checked={device.settings.autoBackup}
              onChange={(autoBackup) => void setDeviceSettings(device.udid, { autoBackup })}
              testId="auto-backup-switch"
            />
            <WifiSwitch device={device} disabled={busy} />
            <EncryptionControl device={device} disabled={busy} />
          </div>
        </section>
      ) : null}

      {/* A setting of the phone, so it can be set while the phone is away too. */}
      <BackupSchedule device={device} />
      {trusted ? <PhotoImport device={device} busy={busy} /> : null}

      <BackupHistory udid={device.udid} canRestore={trusted && !busy} />
      <StorageChart udid={device.udid} />
      {wizard ? <RestoreWizard key={`${wizard.udid}:${wizard.backupId ?? ''}`} udid={wizard.udid} {...(wizard.backupId ? { initialBackupId: wizard.backupId } : {})} /> : null}
    </article>
  );
}

function Fact({ label, value, testId }: { readonly label: string; readonly value: string | undefined; readonly testId?: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value ?? '—'}</dd>
    </div>
  );
}
