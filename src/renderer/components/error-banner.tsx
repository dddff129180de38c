import { useShallow } from 'zustand/react/shallow';
import { useActions, useAppState } from '../app/store-context';
import { dialogErrors, pageErrors } from '../store/error-rules';
import type { ShownError } from '../store/store-types';
import { ErrorText } from './error-text';

/** The failed requests of this page (not of an open dialog: those show in the dialog only). */
export function ErrorBanner() {
  const errors = useAppState(useShallow(pageErrors));
  return <ErrorList errors={errors} testId="error-banner" />;
}

/** The failed requests made inside one dialog, shown at the bottom of that dialog. */
export function DialogErrors({ dialogId }: { readonly dialogId: string }) {
  const errors = useAppState(useShallow((state) => dialogErrors(state, dialogId)));
  return <ErrorList errors={errors} testId="dialog-error" />;
}

function ErrorList({ errors, testId }: { readonly errors: readonly ShownError[]; readonly testId: string }) {
  const { dismissError } = useActions();
  return (
    <>
      {errors.map(({ id, error }) => (
        <div key={id} className="error-banner" role="alert" data-testid={testId} data-code={error.code}>
          <div className="error-text">
            <ErrorText error={error} />
          </div>
          <button type="button" className="link" onClick={() => dismissError(id)} aria-label="Dismiss the error">
            Dismiss
          </button>
        </div>
      ))}
    </>
  );
}
