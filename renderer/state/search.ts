/** Message search across all conversations. An answer to an older query than the last one typed is dropped. */
import type { SearchResult } from '../../shared/ipc/contract';
import type { AppState, Change, SearchState, SliceCreator } from './types';

/** Search results asked for at once. */
export const SEARCH_LIMIT = 50;

const NO_SEARCH = Object.freeze({ query: '', loading: false, results: [], more: false, error: null }) as SearchState;

export interface SearchSlice {
  search: SearchState;
  /** `message:search`; an empty query clears the results. */
  searchMessages(query: string): Promise<void>;
  clearSearch(): void;
}

export const searchSlice: SliceCreator<SearchSlice> = ({ api }) => (set) => {
  /** Numbers the queries; only the latest one's answer is shown. */
  let searches = 0;

  return {
    search: NO_SEARCH,

    async searchMessages(query) {
      const trimmed = query.trim();
      const mine = ++searches;
      if (trimmed === '') {
        set(searchCleared);
        return;
      }
      set((state) => searchStarted(state, trimmed));
      const result = await api.message.search({ query: trimmed, limit: SEARCH_LIMIT });
      if (mine !== searches) return; // a newer query was typed meanwhile
      if (result.ok) set((state) => searchAnswered(state, trimmed, result.value));
      else set((state) => searchFailed(state, trimmed, result.error.message));
    },

    clearSearch() {
      searches++;
      set(searchCleared);
    },
  };
};

function searchStarted(state: AppState, query: string): Change {
  return { search: { ...state.search, query, loading: true, error: null } };
}

function searchAnswered(state: AppState, query: string, answer: { results: SearchResult[]; more: boolean }): Change {
  if (state.search.query !== query) return {};
  return { search: { query, loading: false, results: answer.results, more: answer.more, error: null } };
}

function searchFailed(state: AppState, query: string, error: string): Change {
  if (state.search.query !== query) return {};
  return { search: { ...state.search, loading: false, results: [], more: false, error } };
}

function searchCleared(): Change {
  return { search: NO_SEARCH };
}
