import { useEffect, useRef } from 'react';

/** Where "remember" keeps the password, in the words the checkbox uses. */
export function rememberLabel(rememberIn: 'keychain' | 'session'): string {
  return rememberIn === 'keychain' ? "Remember in this computer's keychain" : 'Remember until Lifeboat quits';
}

export function rememberHint(rememberIn: 'keychain' | 'session'): string {
  return rememberIn === 'keychain'
    ? 'Kept encrypted by the system keychain, so Lifeboat can back up without asking.'
    : 'Kept in memory only, never on disk; Lifeboat asks again after it restarts.';
}

interface PasswordFieldProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** A sentence under the field saying what was wrong (read out as an alert). */
  readonly problem?: string;
  readonly disabled?: boolean;
  readonly label?: string;
  /** Bumped to put the focus back in the field (after a wrong password). */
  readonly focusKey?: number;
}

/** The backup password field every password dialog uses: type=password, labelled, its problem tied to it. */
export function PasswordField({ value, onChange, problem, disabled, label = 'Backup password', focusKey = 0 }: PasswordFieldProps) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [focusKey]);
  return (
    <>
      <label className="field">
        <span>{label}</span>
        <input
          ref={input}
          type="password"
          autoComplete="current-password"
          value={value}
          disabled={disabled}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'password-problem' : undefined}
          onChange={(event) => onChange(event.target.value)}
          data-testid="password-input"
        />
      </label>
      {problem ? (
        <p role="alert" className="field-error" id="password-problem" data-testid="password-problem">
          {problem}
        </p>
      ) : null}
    </>
  );
}

/** The "remember" checkbox, saying honestly where the password would be kept. */
export function RememberCheckbox({ rememberIn, checked, onChange, disabled }: { readonly rememberIn: 'keychain' | 'session'; readonly checked: boolean; readonly onChange: (checked: boolean) => void; readonly disabled?: boolean }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(event) => onChange(event.target.checked)} data-testid="remember-password" />
      <span>
        {rememberLabel(rememberIn)}
        <span className="hint"> — {rememberHint(rememberIn)}</span>
      </span>
    </label>
  );
}
