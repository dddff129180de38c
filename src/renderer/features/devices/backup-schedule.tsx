import { useEffect, useState } from 'react';
import type { BackupScheduleView, DeviceView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';
import { formatDate } from '../../components/format-date';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
/** An evening, when a phone is often home and charging; the person changes it at once if not. */
const DEFAULT_TIME = '21:00';
const COMPLETE_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

type Frequency = 'off' | BackupScheduleView['frequency'];

/**
 * "Schedule" on the phone's page (issue 15 item 5): every day or every week at a time, per phone as
 * iMazing does it. Saved as soon as it changes (the time when the field is left, so typing "21:30"
 * does not save 21:03 on the way); the core runs it, with catch-up when the phone was away.
 */
export function BackupSchedule({ device }: { readonly device: DeviceView }) {
  const { setDeviceSettings } = useActions();
  const schedule = device.settings.schedule;
  const frequency: Frequency = schedule?.frequency ?? 'off';
  const [time, setTime] = useState(schedule?.time ?? DEFAULT_TIME);
  useEffect(() => setTime(schedule?.time ?? DEFAULT_TIME), [schedule?.time]);
  const weekday = schedule?.weekday ?? new Date().getDay();

  const save = (next: { frequency: Frequency; time: string; weekday: number }) => {
    if (next.frequency === 'off') return void setDeviceSettings(device.udid, { schedule: null });
    if (!COMPLETE_TIME.test(next.time)) return;
    const chosen: BackupScheduleView = next.frequency === 'weekly' ? { frequency: 'weekly', time: next.time, weekday: next.weekday } : { frequency: 'daily', time: next.time };
    void setDeviceSettings(device.udid, { schedule: chosen });
  };
  const current = { frequency, time, weekday };

  return (
    <section className="card" aria-labelledby="schedule-title" data-testid="backup-schedule">
      <h2 id="schedule-title">Schedule</h2>
      <div className="schedule-fields">
        <label className="field">
          <span>Back up on a schedule</span>
          <select value={frequency} onChange={(event) => save({ ...current, frequency: event.target.value as Frequency })} data-testid="schedule-frequency">
            <option value="off">Never</option>
            <option value="daily">Every day</option>
            <option value="weekly">Every week</option>
          </select>
        </label>
        {frequency === 'weekly' ? (
          <label className="field">
            <span>On</span>
            <select value={weekday} onChange={(event) => save({ ...current, weekday: Number(event.target.value) })} data-testid="schedule-weekday">
              {WEEKDAYS.map((name, index) => (
                <option key={name} value={index}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {frequency !== 'off' ? (
          <label className="field">
            <span>At</span>
            <input
              type="time"
              value={time}
              required
              onChange={(event) => setTime(event.target.value)}
              onBlur={() => (time !== schedule?.time ? save(current) : undefined)}
              onKeyDown={(event) => (event.key === 'Enter' ? save(current) : undefined)}
              data-testid="schedule-time"
            />
          </label>
        ) : null}
      </div>
      {device.nextScheduledBackup ? (
        <p data-testid="schedule-next">
          {device.nextScheduledBackup.due
            ? `Due since ${formatDate(device.nextScheduledBackup.at)}: Lifeboat backs it up as soon as the iPhone is connected.`
            : `Next backup: ${formatDate(device.nextScheduledBackup.at)}`}
        </p>
      ) : null}
      <p className="hint" data-testid="schedule-hint">
        {frequency === 'off'
          ? 'Lifeboat can back up this iPhone every day or every week at a set time, over USB or Wi-Fi.'
          : `At that time on this computer's clock Lifeboat backs up the iPhone if it is connected by USB or Wi-Fi. If it is not, or this computer is off or asleep, the backup happens once, as soon as the iPhone is next connected. ${
              window.api ? 'Lifeboat has to be running: "Open at login, in the tray" in Settings keeps it there.' : 'Lifeboat does it while it runs, even with this page closed.'
            }`}
      </p>
    </section>
  );
}
