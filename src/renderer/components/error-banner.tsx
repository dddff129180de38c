import { describeAppError } from '../../shared/contract';
import { useActions, useAppState } from '../app/store-context';

/** The last failed request as a sentence and the next step (role=alert so it is read out). */
export function ErrorBanner() {
  const error = useAppState((state) => state.ui.error);
  const { dismissError } = useActions();
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <div>
        <strong>{error.message}</strong> {describeAppError(error) !== error.message ? <span>{error.nextStep}</span> : null}
      </div>
      <button type="button" className="link" onClick={dismissError} aria-label="Dismiss the error">
        Dismiss
      </button>
    </div>
  );
}
