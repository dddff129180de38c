/** The tray icon: a TrayModel (tray-model.ts) rendered as an Electron Tray with its menu. */
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import type { TrayIconState, TrayMenuItem, TrayModel } from './tray-model';

interface TrayActions {
  open(): void;
  backUp(udid: string): void;
  quit(): void;
}

export interface AppTray {
  update(model: TrayModel): void;
  destroy(): void;
}

export function createAppTray(iconPaths: Readonly<Record<TrayIconState, string>>, actions: TrayActions): AppTray {
  const images = {
    idle: nativeImage.createFromPath(iconPaths.idle),
    busy: nativeImage.createFromPath(iconPaths.busy),
    error: nativeImage.createFromPath(iconPaths.error),
  };
  const tray = new Tray(images.idle);
  tray.on('click', () => actions.open());
  let shownIcon: TrayIconState = 'idle';
  return {
    update(model) {
      if (tray.isDestroyed()) return;
      if (model.icon !== shownIcon) {
        tray.setImage(images[model.icon]);
        shownIcon = model.icon;
      }
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(Menu.buildFromTemplate(model.items.map((item) => toMenuItem(item, actions))));
    },
    destroy() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}

function toMenuItem(item: TrayMenuItem, actions: TrayActions): MenuItemConstructorOptions {
  switch (item.kind) {
    case 'status':
      return { label: item.label, enabled: false };
    case 'separator':
      return { type: 'separator' };
    case 'open':
      return { label: item.label, click: () => actions.open() };
    case 'backup':
      return { label: item.label, enabled: item.enabled, click: () => actions.backUp(item.udid) };
    case 'quit':
      return { label: item.label, click: () => actions.quit() };
  }
}
