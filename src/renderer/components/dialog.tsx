import { type ReactNode, type KeyboardEvent, useEffect, useId, useRef } from 'react';
import { createPortal } from 'react-dom';
import { useActions } from '../app/store-context';
import { DialogErrors } from './error-banner';

interface DialogProps {
  readonly title: string;
  readonly children: ReactNode;
  readonly onClose: () => void;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/**
 * A real modal (issue 12): the native <dialog> opened with showModal(), so the page behind is inert
 * and out of the accessibility tree; Tab and Shift+Tab cycle inside (Chromium would otherwise let
 * Tab wander to the browser's own controls and back into nothing); Escape always closes it; focus
 * returns to whatever opened it. Errors raised while it is open show here, not behind it.
 */
export function Dialog({ title, children, onClose }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const { dialogOpened, dialogClosed } = useActions();
  // The latest onClose, so the effect below runs once per dialog and not on every render.
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialogOpened(id);
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('input:not([disabled]), select, textarea, button:not([disabled])')?.focus();
    // Escape on a native dialog fires "cancel"; the parent owns whether the dialog is shown, so ask it.
    const onCancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      dialogClosed(id);
      // Back to the opener; if it went away (its row was deleted), to the page's main region.
      const target = opener?.isConnected ? opener : document.getElementById('main');
      target?.focus();
    };
  }, [id, dialogOpened, dialogClosed]);

  function onKeyDown(event: KeyboardEvent<HTMLDialogElement>): void {
    if (event.key === 'Escape') {
      // Handled here as well as in "cancel": Chromium skips "cancel" for a second Escape without a click in between.
      event.preventDefault();
      event.stopPropagation();
      close.current();
      return;
    }
    if (event.key !== 'Tab' || !ref.current) return;
    const focusable = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((element) => element.getClientRects().length > 0);
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return event.preventDefault();
    const inside = ref.current.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  }

  // Rendered at the end of <body>, so a dialog opened from a table cell inherits none of its styles.
  return createPortal(
    <dialog ref={ref} className="dialog" aria-modal="true" aria-labelledby={`${id}-title`} onKeyDown={onKeyDown}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
      <DialogErrors dialogId={id} />
    </dialog>,
    document.body,
  );
}
