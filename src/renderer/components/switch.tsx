interface SwitchProps {
  readonly label: string;
  readonly description?: string;
  readonly checked: boolean;
  readonly disabled?: boolean;
  readonly onChange: (checked: boolean) => void;
  readonly testId?: string;
}

/** An on/off control screen readers announce as a switch (role=switch, aria-checked). */
export function Switch({ label, description, checked, disabled, onChange, testId }: SwitchProps) {
  const descriptionId = description ? `${testId ?? label}-description` : undefined;
  return (
    <div className="switch-row">
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={checked}
        aria-describedby={descriptionId}
        disabled={disabled}
        data-testid={testId}
        onClick={() => onChange(!checked)}
      >
        <span className="switch-knob" aria-hidden="true" />
        <span className="switch-label">{label}</span>
      </button>
      {description ? (
        <p className="hint" id={descriptionId}>
          {description}
        </p>
      ) : null}
    </div>
  );
}
