/** How many matches are shown; a search that found more says so and how to see the rest. */
export function searchCount(shown: number, more: boolean, query: string): string {
  if (!more) return `${shown.toLocaleString()} matches for “${query}”`;
  return `The first ${shown.toLocaleString()} matches for “${query}” are shown; there are more, so type more of the name to narrow the search.`;
}
