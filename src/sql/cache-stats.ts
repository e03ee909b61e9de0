// How often the classifier answered from a cache: plain counters bumped on the hot path
// and read by /metrics. Process-wide, like the caches themselves (classify.ts).
export const classifierCacheStats = {
  /** Answered from the exact-text or a template cache, or by a session's repeated Query. */
  hits: 0,
  /** Parsed and classified afresh (texts too large for the caches are not counted). */
  misses: 0,
};
