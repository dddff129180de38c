import { useEffect, useRef } from 'react';
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

/**
 * The failed requests made inside one dialog, shown at the bottom of that dialog, and scrolled into
 * view when one comes: in a tall dialog at 800×600 (Settings' move-or-keep) it appeared below the
 * fold, so pressing the button seemed to do nothing.
 */
export function DialogErrors({ dialogId }: { readonly dialogId: string }) {
  const errors = useAppState(useShallow((state) => dialogErrors(state, dialogId)));
  const place = useRef<HTMLDivElement>(null);
  const newest = errors.at(-1)?.id;
  useEffect(() => {
    if (newest !== undefined) place.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [newest]);
  return (
    <div ref={place}>
      <ErrorList errors={errors} testId="dialog-error" />
    </div>
  );
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
