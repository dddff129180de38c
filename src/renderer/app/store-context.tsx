import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppActions, AppStore } from '../store/app-store';
import type { AppState } from '../store/store-types';

export const StoreContext = createContext<AppStore | undefined>(undefined);

function useAppStore(): AppStore {
  const value = useContext(StoreContext);
  if (!value) throw new Error('The app store is missing: render inside <StoreContext.Provider>.');
  return value;
}

/** Reads a slice of state; re-renders only when the selected value changes. */
export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(useAppStore().store, selector);
}

export function useActions(): AppActions {
  return useAppStore().actions;
}
