import { describeAppError, type AppError } from '../../shared/contract';

/**
 * An error as a person reads it: the sentence and the next step. The technical part (the phone's
 * MBErrorDomain code, the protocol step) waits behind "Details" for whoever helps them.
 */
export function ErrorText({ error }: { readonly error: AppError }) {
  return (
    <>
      <span className="error-sentence">{describeAppError(error)}</span>
      <ErrorDetails error={error} />
    </>
  );
}

/** Only the "Details" disclosure, for places that word the sentence themselves ("The last backup failed. …"). */
export function ErrorDetails({ error }: { readonly error: AppError | undefined }) {
  if (!error?.detail) return null;
  return (
    <details className="error-details">
      <summary>Details</summary>
      <code>{error.detail}</code>
    </details>
  );
}
