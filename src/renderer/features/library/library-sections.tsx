import { LIBRARY_SECTIONS } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';
import type { LibraryPlace } from '../../store/store-types';
import { categoryWords, SECTION_TITLES } from './library-words';

const PLACES: readonly LibraryPlace[] = ['overview', ...LIBRARY_SECTIONS, 'files'];

/** The browser's top level: what a person looks for, and the files by domain for the rest. */
export function LibrarySections() {
  const place = useAppState((state) => state.library.place);
  const overview = useAppState((state) => state.library.overview);
  const { showPlace } = useActions();
  return (
    <nav className="library-sections" aria-label="What to look at">
      <ul>
        {PLACES.map((candidate) => {
          const category = overview?.categories.find((item) => item.section === candidate);
          return (
            <li key={candidate}>
              <button type="button" className="section-button" aria-current={place === candidate ? 'page' : undefined} onClick={() => void showPlace(candidate)} data-testid={`section-${candidate}`}>
                {SECTION_TITLES[candidate]}
                {category && category.count > 0 ? <span className="section-count">{category.count.toLocaleString()}</span> : null}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** What the backup holds, section by section, each a way in. */
export function LibraryOverviewCards() {
  const overview = useAppState((state) => state.library.overview);
  const { showPlace } = useActions();
  if (!overview) return <p className="hint" role="status">Reading what this backup holds…</p>;
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title" className="visually-hidden">
        Overview
      </h2>
      <ul className="overview-cards">
        {overview.categories.map((category) => (
          <li key={category.section}>
            <button type="button" className="card overview-card" onClick={() => void showPlace(category.section)} data-testid={`overview-${category.section}`}>
              <strong>{SECTION_TITLES[category.section]}</strong>
              <span className={category.problem ? 'field-error' : 'hint'}>{categoryWords(category)}</span>
              {category.problem ? <span className="hint overview-problem">{category.problem}</span> : null}
            </button>
          </li>
        ))}
        <li>
          <button type="button" className="card overview-card" onClick={() => void showPlace('files')}>
            <strong>{SECTION_TITLES.files}</strong>
            <span className="hint">Every file of the backup, by the domain the iPhone keeps it in</span>
          </button>
        </li>
      </ul>
    </section>
  );
}
