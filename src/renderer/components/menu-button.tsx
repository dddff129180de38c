import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';

export interface MenuItem {
  readonly label: string;
  readonly onSelect: () => void;
  readonly disabled?: boolean;
  readonly danger?: boolean;
}

interface MenuButtonProps {
  readonly label: string;
  /** The accessible name of the button when its visible label is not enough ("More actions for …"). */
  readonly ariaLabel?: string;
  readonly items: readonly MenuItem[];
  readonly testId?: string;
}

/**
 * A button that opens a menu (WAI-ARIA menu button pattern): Enter, Space or ArrowDown open it on the
 * first item, ArrowUp on the last; arrows, Home and End move; Escape closes it and gives the focus
 * back to the button; Tab or a click elsewhere closes it. Keeps a row to one button however many
 * actions it has (issue 12: six buttons wrapped at 800 px).
 */
export function MenuButton({ label, ariaLabel, items, testId }: MenuButtonProps) {
  const [open, setOpen] = useState<false | 'first' | 'last'>(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const id = useId();

  const menuItems = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not([disabled])') ?? [])];

  useEffect(() => {
    if (!open) return;
    const list = menuItems();
    // The whole menu in view, not only its focused item: near the window's foot it was cut off.
    menu.current?.scrollIntoView({ block: 'nearest' });
    // Scrolling lands on whole pixels: with fractional line heights above (the storage legend) the
    // menu's last fraction of a pixel could stay below the window's foot.
    const overflow = (menu.current?.getBoundingClientRect().bottom ?? 0) - window.innerHeight;
    if (overflow > 0) window.scrollBy(0, Math.ceil(overflow));
    (open === 'last' ? list[list.length - 1] : list[0])?.focus({ preventScroll: true });
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  function close(returnFocus: boolean): void {
    setOpen(false);
    if (returnFocus) button.current?.focus();
  }

  function onButtonKeyDown(event: KeyboardEvent<HTMLButtonElement>): void {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(event.key === 'ArrowDown' ? 'first' : 'last');
    }
  }

  function onMenuKeyDown(event: KeyboardEvent<HTMLUListElement>): void {
    const list = menuItems();
    const index = list.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => {
      event.preventDefault();
      list[(to + list.length) % list.length]?.focus();
    };
    if (event.key === 'ArrowDown') move(index + 1);
    else if (event.key === 'ArrowUp') move(index - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(list.length - 1);
    else if (event.key === 'Escape') {
      // Only the menu closes, not a dialog around it.
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === 'Tab') close(false);
  }

  return (
    <div className="menu-button">
      <button
        type="button"
        ref={button}
        aria-haspopup="menu"
        aria-expanded={open !== false}
        aria-controls={open ? id : undefined}
        aria-label={ariaLabel}
        onClick={() => (open ? close(false) : setOpen('first'))}
        onKeyDown={onButtonKeyDown}
        data-testid={testId}
      >
        {label} <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <ul className="menu" role="menu" id={id} aria-label={ariaLabel ?? label} ref={menu} onKeyDown={onMenuKeyDown}>
          {items.map((item) => (
            <li key={item.label} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={item.danger ? 'danger' : undefined}
                disabled={item.disabled}
                onClick={() => {
                  close(true);
                  item.onSelect();
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
